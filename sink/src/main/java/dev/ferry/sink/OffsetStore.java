package dev.ferry.sink;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The sink's consumed offsets, kept in the target database and written in the same transaction as the
 * rows they cover: after any crash the sink resumes exactly after the last committed batch.
 *
 * <p>Each offset is kept with the id Kafka gave its topic when it was created ({@code topic_id}): an offset says
 * where to go on only in the topic it was read in. A topic deleted and created again under the same name starts
 * from offset 0, and once it has grown past a kept offset, seeking there would skip what lies before it without a
 * word ({@link ResumeFromTarget} compares the ids). Rows kept before the column existed have none, and are trusted.
 */
final class OffsetStore {
  /** An offset kept in the target, and the id of the topic it was read in (null where unknown). */
  record Stored(long next, String topicId) {
    /**
     * Whether this offset was read in the topic whose id is {@code currentId} now: false only when both ids are
     * known and differ (the topic deleted and created again since); an id unknown either way is trusted.
     */
    boolean ofTopic(final String currentId) {
      return topicId == null || currentId == null || currentId.equals(topicId);
    }
  }

  private final TargetDialect dialect;
  private final String table;
  private final String groupId;
  /**
   * The current id of each topic, learned at assignment and written with its offsets (an id not learned, the broker
   * not answering, leaves the kept one); read by every writer.
   */
  private final java.util.Map<String, String> topicIds = new java.util.concurrent.ConcurrentHashMap<>();

  OffsetStore(final TargetDialect dialect, final String table, final String groupId) {
    this.dialect = dialect;
    this.table = dialect.quote(table);
    this.groupId = groupId;
  }

  /** Creates the offsets table if missing. */
  void create(final Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + table + " (group_id " + dialect.keyText(255) + " NOT NULL, topic "
          + dialect.keyText(249) + " NOT NULL, kafka_partition int NOT NULL, next_offset bigint NOT NULL, updated_at "
          + dialect.timestampNow() + ", topic_id " + dialect.keyText(32) + ", PRIMARY KEY (group_id, topic, "
          + "kafka_partition))");
      // a table made before the column existed (PostgreSQL 9.6+ and MariaDB 10.0+ know IF NOT EXISTS here)
      s.execute("ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS topic_id " + dialect.keyText(32));
    }
  }

  /** Says which id {@code topic} has now: its offsets are written with it from here on. */
  void topicId(final String topic, final String id) {
    if (id == null) {
      topicIds.remove(topic);
    } else {
      topicIds.put(topic, id);
    }
  }

  /** The next offset to read for each partition that has one stored, with the id of the topic it was read in. */
  Map<TopicPartition, Stored> read(final Connection c, final Collection<TopicPartition> partitions)
      throws SQLException {
    final Map<TopicPartition, Stored> out = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT next_offset, topic_id FROM " + table
        + " WHERE group_id = ? AND topic = ? AND kafka_partition = ?")) {
      for (final TopicPartition tp : partitions) {
        ps.setString(1, groupId);
        ps.setString(2, tp.topic());
        ps.setInt(3, tp.partition());
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            out.put(tp, new Stored(rs.getLong(1), rs.getString(2)));
          }
        }
      }
    }
    return out;
  }

  /** Records {@code next} offsets; call inside the transaction that applies the rows. */
  void write(final Connection c, final Map<TopicPartition, Long> next) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(dialect.insertInto(table)
        + " (group_id, topic, kafka_partition, next_offset, topic_id) VALUES (?, ?, ?, ?, ?) "
        + dialect.onKeyConflict(List.of("group_id", "topic", "kafka_partition")) + " next_offset = "
        + dialect.incoming("next_offset") + ", topic_id = COALESCE(" + dialect.incoming("topic_id") + ", " + dialect.existing("topic_id") + "), updated_at = "
        + dialect.now())) {
      for (final Map.Entry<TopicPartition, Long> e : next.entrySet()) {
        ps.setString(1, groupId);
        ps.setString(2, e.getKey().topic());
        ps.setInt(3, e.getKey().partition());
        ps.setLong(4, e.getValue());
        ps.setString(5, topicIds.get(e.getKey().topic()));
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }
}
