package dev.ferry.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.config.Config;
import dev.ferry.config.Setting;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Which direction of the sync is live: forward (legacy to new) until {@code ferry cutover} flips it, reverse after,
 * forward again after a rollback. Kept in a control topic both directions' services reach
 * ({@code cutover.control-topic}: one partition, compacted, so the latest word on each key is kept for as long as
 * the topic lives), under key {@value #DIRECTION}. The services answer under their own keys: each sink
 * ({@code sink/<group>}) whether it applies ({@code live}) or holds ({@code standby}) under the epoch it saw, each
 * processor ({@code processor/<application id>}) what it holds back (transactions waiting for their end, details
 * waiting for their header). No record yet: forward is live, so a deployment that never cuts over needs nothing of
 * this.
 *
 * <p>Values are small JSON objects: operational state, read and written by Ferry alone, not data.
 */
public final class LiveDirection {
  /** The key of the live direction. */
  public static final String DIRECTION = "direction";
  private static final ObjectMapper JSON = new ObjectMapper();

  private LiveDirection() {
  }

  private static final String CUTOVER = "cutover";
  public static final Setting<Direction> DIRECTION_SETTING = Setting.option("cutover.direction", CUTOVER,
      Direction.FORWARD, Direction.class, "Which direction of the sync this configuration runs: forward (legacy to "
          + "new) or reverse (new to legacy, after cutover; legacy.* then names the new system's database and target.* "
          + "the legacy one). Its sink applies only while this direction is live: ferry cutover flips it, ferry status "
          + "shows it; a reverse sink started earlier holds until then.");
  public static final Setting<String> CONTROL_TOPIC = Setting.string("cutover.control-topic", CUTOVER, "ferry-control",
      "Kafka topic (one partition, compacted) holding the live direction and the services' answers to it; both "
          + "directions' configurations must name the same one. Not prefixed by topics.prefix for that reason.");
  public static final List<Setting<?>> SETTINGS = List.of(DIRECTION_SETTING, CONTROL_TOPIC);

  /**
   * Where a service reads the live direction, and which direction it belongs to.
   *
   * @param direction the direction of the configuration the service runs
   * @param topic the control topic
   */
  public record Settings(Direction direction, String topic) {
    public static final Settings DEFAULT = new Settings(Direction.FORWARD, "ferry-control");

    public static Settings from(final Config config) {
      return new Settings(config.get(DIRECTION_SETTING), config.get(CONTROL_TOPIC));
    }
  }

  /** A direction of the sync. */
  public enum Direction {
    FORWARD, REVERSE;

    public String id() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Direction of(final String id) {
      return valueOf(id.trim().toUpperCase(java.util.Locale.ROOT));
    }
  }

  /**
   * The live direction as of a control record.
   *
   * @param epoch counts flips; 0 before the first
   * @param by what set it (the command and host)
   */
  public record State(Direction direction, long epoch, Instant at, String by) {
    public static final State INITIAL = new State(Direction.FORWARD, 0, Instant.EPOCH, "default");
  }

  /**
   * What a service answered.
   *
   * @param from its key: {@code sink/<group>} or {@code processor/<application id>}
   * @param state a sink's {@code live} or {@code standby}; a processor's {@code running}
   * @param epoch the direction epoch it saw
   * @param figures what it reports by name (a processor: held-transactions, held-details)
   */
  public record Answer(String from, Direction direction, String state, long epoch, Instant at,
      Map<String, Long> figures) {
  }

  /** Everything on the control topic now: the live direction and the sinks' latest answers. */
  public record Snapshot(State state, Map<String, Answer> answers) {
  }

  /** Creates the control topic (one partition, compacted) where missing. */
  public static void ensureTopic(final KafkaSettings kafka, final String topic) {
    try (Admin admin = KafkaClients.admin(kafka)) {
      if (admin.listTopics().names().get().contains(topic)) {
        return;
      }
      admin.createTopics(List.of(new NewTopic(topic, 1, kafka.replicationFactor())
          .configs(Map.of("cleanup.policy", "compact")))).all().get();
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("cannot create control topic " + topic + ": " + e.getCause().getMessage(),
            e.getCause());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating control topic " + topic, e);
    }
  }

  /** Reads the control topic to its end, with a consumer of its own; see {@link LiveDirectionReader} to read again. */
  public static Snapshot read(final KafkaSettings kafka, final String topic) {
    try (LiveDirectionReader reader = new LiveDirectionReader(kafka, topic)) {
      return reader.snapshot();
    }
  }

  /** Makes {@code direction} live: a new epoch, one past the current one. @return the new state */
  public static State publish(final KafkaSettings kafka, final String topic, final Direction direction,
      final String by) {
    final State now = read(kafka, topic).state();
    final State next = new State(direction, now.epoch() + 1, Instant.now(), by);
    send(kafka, topic, DIRECTION, Map.of("direction", direction.id(), "epoch", next.epoch(), "at",
        next.at().toString(), "by", by));
    return next;
  }

  /** A service's answer under {@code from} ({@code sink/<group>}, {@code processor/<id>}); see {@link Answer}. */
  public static void answer(final KafkaSettings kafka, final String topic, final String from,
      final Direction direction, final String state, final long epoch, final Map<String, Long> figures) {
    try (Answers answers = new Answers(kafka, topic)) {
      answers.answer(from, direction, state, epoch, figures);
    }
  }

  /** A service's answers with one producer, for a service that answers often (a processor's held figures). */
  public static final class Answers implements AutoCloseable {
    private final String topic;
    private final KafkaProducer<String, String> producer;

    public Answers(final KafkaSettings kafka, final String topic) {
      ensureTopic(kafka, topic);
      this.topic = topic;
      this.producer = producer(kafka);
    }

    /** Sends an answer and waits until the broker has it. */
    public void answer(final String from, final Direction direction, final String state, final long epoch,
        final Map<String, Long> figures) {
      try {
        producer.send(new ProducerRecord<>(topic, 0, from, JSON.writeValueAsString(Map.of("direction",
            direction.id(), "state", state, "epoch", epoch, "at", Instant.now().toString(), "figures", figures))))
            .get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("cannot write " + from + " to control topic " + topic + ": " + e, e);
      }
    }

    @Override
    public void close() {
      producer.close(Duration.ofSeconds(5));
    }
  }

  private static KafkaProducer<String, String> producer(final KafkaSettings kafka) {
    final Properties p = KafkaClients.properties(kafka);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
  }

  /** Parses a {@value #DIRECTION} record's value. */
  public static State state(final String json) {
    try {
      final JsonNode v = JSON.readTree(json);
      return new State(Direction.of(v.get("direction").asText()), v.get("epoch").asLong(),
          Instant.parse(v.get("at").asText()), v.path("by").asText());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a control record Ferry cannot read: " + e.getOriginalMessage(), e);
    }
  }

  private static void send(final KafkaSettings kafka, final String topic, final String key,
      final Map<String, Object> value) {
    ensureTopic(kafka, topic);
    try (KafkaProducer<String, String> producer = producer(kafka)) {
      producer.send(new ProducerRecord<>(topic, 0, key, JSON.writeValueAsString(value))).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot write " + key + " to control topic " + topic + ": " + e, e);
    }
  }

  static KafkaConsumer<String, String> consumer(final KafkaSettings kafka) {
    final Properties p = KafkaClients.properties(kafka);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
  }
}
