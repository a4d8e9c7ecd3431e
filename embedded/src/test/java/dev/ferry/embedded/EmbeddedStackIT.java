package dev.ferry.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The shared stack's three real parts answer: Kafka round-trips a record, the registry registers, PostgreSQL loads a dump. */
class EmbeddedStackIT {
  private final EmbeddedStack stack = SharedStack.get();

  @Test
  void kafkaRoundTripsARecord() throws Exception {
    final String topic = "stack-it-roundtrip";
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.kafka().bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
    final Properties p = new Properties();
    p.put("bootstrap.servers", stack.kafka().bootstrapServers());
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, "k", "hello")).get();
    }
    final Properties c = new Properties();
    c.put("bootstrap.servers", stack.kafka().bootstrapServers());
    c.put("group.id", "stack-it");
    c.put("auto.offset.reset", "earliest");
    final List<ConsumerRecord<String, String>> seen = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (seen.isEmpty() && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
      }
    }
    assertThat(seen).extracting(ConsumerRecord::value).containsExactly("hello");
  }

  @Test
  void registrySpeaksTheConfluentApi() throws Exception {
    final HttpClient http = HttpClient.newHttpClient();
    final HttpResponse<String> registered = http.send(HttpRequest.newBuilder(
            URI.create(stack.registry().url() + "/subjects/stack-it-value/versions"))
        .header("Content-Type", "application/vnd.schemaregistry.v1+json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"schema\":\"\\\"string\\\"\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(registered.statusCode()).isEqualTo(200);
    assertThat(registered.body()).matches("\\{\"id\":\\d+}");
  }

  @Test
  void legacyServerLoadsTheNorthwindDumpWithLogicalReplication() throws Exception {
    final String db = EmbeddedDatabase.uniqueName("stack_it");
    stack.legacy().createDatabase(db);
    final List<String> notices = new ArrayList<>();
    try (Connection c = stack.legacy().connect(db)) {
      SqlScript.of(Path.of("../data/northwind/northwind.sql")).run(c, notices::add);
      try (Statement s = c.createStatement();
          ResultSet orders = s.executeQuery("select count(*) from orders")) {
        orders.next();
        assertThat(orders.getInt(1)).isEqualTo(830);
      }
      try (Statement s = c.createStatement(); ResultSet wal = s.executeQuery("show wal_level")) {
        wal.next();
        assertThat(wal.getString(1)).isEqualTo("logical");
      }
    }
    assertThat(stack.startupTime()).isLessThan(Duration.ofSeconds(60));
  }

  /** Under a Turkish default locale Kafka's broker did not start ("No enum constant ... GroupType.CLASSİC"). */
  @Test
  void theBrokerStartsUnderALocaleWhoseLetterIIsNotEnglish(@org.junit.jupiter.api.io.TempDir final Path dir)
      throws Exception {
    final java.util.Locale before = java.util.Locale.getDefault();
    java.util.Locale.setDefault(java.util.Locale.forLanguageTag("tr-TR"));
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir);
        Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic("turkish-locale", 1, (short) 1))).all().get();
      assertThat(admin.listTopics().names().get()).contains("turkish-locale");
      assertThat(java.util.Locale.getDefault()).isEqualTo(java.util.Locale.ROOT);
    } finally {
      java.util.Locale.setDefault(before);
    }
  }
}
