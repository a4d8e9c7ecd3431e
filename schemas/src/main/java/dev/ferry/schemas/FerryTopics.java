package dev.ferry.schemas;

import java.util.regex.Pattern;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The topics of one Ferry pipeline, named from a single prefix so several pipelines can share a
 * cluster: {@code <prefix>.cdc.<schema>.<table>} per captured table, {@code <prefix>.cdc.transactions},
 * {@code <prefix>.apply} and {@code <prefix>.dead-letter}. Keys are UTF-8 text (see
 * {@link Columns#keyText}); values are Avro in the Confluent wire format.
 */
public final class FerryTopics {
  /**
   * The largest record Ferry writes: topics it creates accept it ({@code max.message.bytes}) and its producers
   * send it ({@code max.request.size}). Kafka's default is 1 MB, less than one legacy row with a large text or
   * document; a change larger than this is dead-lettered by the connector with its column and size, and
   * capture goes on.
   */
  public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
  /** The {@code max.request.size} of producers that write such records: one of them, and its request's framing. */
  public static final int MAX_REQUEST_BYTES = MAX_MESSAGE_BYTES + 1024 * 1024;
  private final String prefix;
  private final AvroSerde<ChangeEvent> changeSerde;
  private final AvroSerde<TransactionMarker> transactionSerde;
  private final AvroSerde<ApplyRecord> applySerde;
  private final AvroSerde<DeadLetter> deadLetterSerde;

  public FerryTopics(final String prefix, final SchemaRegistry registry) {
    this.prefix = prefix;
    this.changeSerde = new AvroSerde<>(registry, ChangeEvent.getClassSchema());
    this.transactionSerde = new AvroSerde<>(registry, TransactionMarker.getClassSchema());
    this.applySerde = new AvroSerde<>(registry, ApplyRecord.getClassSchema(), new ApplyRecordReader());
    this.deadLetterSerde = new AvroSerde<>(registry, DeadLetter.getClassSchema());
  }

  /** The CDC topic of source table {@code schema.table}. */
  public Topic<String, ChangeEvent> cdc(final String qualifiedTable) {
    return new Topic<>(cdcTopic(prefix, qualifiedTable), Serdes.String(), changeSerde);
  }

  /**
   * {@code <prefix>.cdc.<schema>.<table>}; a character a Kafka topic name cannot hold (a space, a non-ASCII letter:
   * PostgreSQL allows both in a quoted name, as in Northwind's {@code "Order Details"}) becomes {@code _}. The change
   * events carry the table's own name; only the topic's is changed.
   */
  static String cdcTopic(final String prefix, final String qualifiedTable) {
    // called for every change the connector and the processor route: a scan, no regular expression
    final StringBuilder topic = new StringBuilder(prefix.length() + 5 + qualifiedTable.length()).append(prefix)
        .append(".cdc.");
    for (int i = 0; i < qualifiedTable.length(); i++) {
      final char c = qualifiedTable.charAt(i);
      final boolean allowed = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.'
          || c == '_' || c == '-';
      topic.append(allowed ? c : '_');
    }
    return topic.toString();
  }

  /**
   * Every CDC topic of a captured table ({@code <prefix>.cdc.<schema>.<table>}), whether it exists yet or not,
   * and not the transaction topic ({@code <prefix>.cdc.transactions}).
   */
  public Pattern cdcTopics() {
    return Pattern.compile(Pattern.quote(prefix + ".cdc.") + "[^.]+\\.[^.]+");
  }

  public Topic<String, TransactionMarker> transactions() {
    return new Topic<>(prefix + ".cdc.transactions", Serdes.String(), transactionSerde);
  }

  /** Mapped rows for the target, keyed so a header and its details share a partition. */
  public Topic<String, ApplyRecord> apply() {
    return new Topic<>(prefix + ".apply", Serdes.String(), applySerde);
  }

  public Topic<String, DeadLetter> deadLetter() {
    return new Topic<>(prefix + ".dead-letter", Serdes.String(), deadLetterSerde);
  }

  /** The serde of apply records (also {@link #apply()}'s). */
  AvroSerde<ApplyRecord> applySerde() {
    return applySerde;
  }

  /** The serde of change events, shared by every CDC topic. */
  public AvroSerde<ChangeEvent> changeSerde() {
    return changeSerde;
  }

  public String prefix() {
    return prefix;
  }
}
