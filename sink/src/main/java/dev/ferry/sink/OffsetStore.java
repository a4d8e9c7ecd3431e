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
 */
final class OffsetStore {
  private final TargetDialect dialect;
  private final String table;
  private final String groupId;

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
          + dialect.timestampNow() + ", PRIMARY KEY (group_id, topic, kafka_partition))");
    }
  }

  /** The next offset to read for each partition that has one stored. */
  Map<TopicPartition, Long> read(final Connection c, final Collection<TopicPartition> partitions)
      throws SQLException {
    final Map<TopicPartition, Long> out = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT next_offset FROM " + table
        + " WHERE group_id = ? AND topic = ? AND kafka_partition = ?")) {
      for (final TopicPartition tp : partitions) {
        ps.setString(1, groupId);
        ps.setString(2, tp.topic());
        ps.setInt(3, tp.partition());
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            out.put(tp, rs.getLong(1));
          }
        }
      }
    }
    return out;
  }

  /** Records {@code next} offsets; call inside the transaction that applies the rows. */
  void write(final Connection c, final Map<TopicPartition, Long> next) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(dialect.insertInto(table)
        + " (group_id, topic, kafka_partition, next_offset) VALUES (?, ?, ?, ?) "
        + dialect.onKeyConflict(List.of("group_id", "topic", "kafka_partition")) + " next_offset = "
        + dialect.incoming("next_offset") + ", updated_at = " + dialect.now())) {
      for (final Map.Entry<TopicPartition, Long> e : next.entrySet()) {
        ps.setString(1, groupId);
        ps.setString(2, e.getKey().topic());
        ps.setInt(3, e.getKey().partition());
        ps.setLong(4, e.getValue());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }
}
