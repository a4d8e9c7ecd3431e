package dev.ferry.cutover;

import dev.ferry.connector.LegacyRows;
import dev.ferry.connector.SnapshotMode;
import dev.ferry.processor.mapping.TableMapping;
import dev.ferry.schemas.LiveDirection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The cutover's first step: everything the opening direction needs is there before anything changes. Its mapping fits
 * both databases; both sinks mark their writes (else each direction would send back what the other wrote); the
 * database it captures can be captured (logical decoding, a user allowed to replicate) and its replication slot and
 * publication exist, created here where missing, so that its capture starts from a position taken now, before the
 * application that writes that database opens; it starts from that position, not a snapshot; its sink may write
 * the tables it maps to.
 */
final class Preflight {
  /** One check: passed or not, and what was seen. */
  record Check(boolean ok, String line) {
  }

  private Preflight() {
  }

  static List<Check> run(final Leg draining, final Leg opening, final LiveDirection.Snapshot control) throws Exception {
    final List<Check> out = new ArrayList<>();
    final List<String> problems = opening.mappingProblems().call();
    out.add(new Check(problems.isEmpty(), problems.isEmpty()
        ? "the " + opening.name() + " mapping fits both databases (" + opening.processor().mapping().tables().size()
            + " tables)"
        : "the " + opening.name() + " mapping does not fit the databases: " + String.join("; ", problems)));
    for (final Leg leg : List.of(draining, opening)) {
      out.add(new Check(leg.sink().markWrites(), leg.sink().markWrites()
          ? "the " + leg.name() + " sink marks its writes (sink.mark-writes)"
          : "the " + leg.name() + " sink does not mark its writes: set sink.mark-writes: true in its configuration, "
              + "else the other direction sends back what it writes"));
    }
    try (Connection c = opening.captured()) {
      out.addAll(capturable(c, opening));
    } catch (SQLException e) {
      out.add(new Check(false, "the database the " + opening.name() + " direction captures cannot be reached: "
          + e.getMessage()));
    }
    try (Connection c = opening.written()) {
      out.add(writable(c, opening));
    } catch (SQLException e) {
      out.add(new Check(false, "the database the " + opening.name() + " sink writes cannot be reached: "
          + e.getMessage()));
    }
    final String sinkKey = "sink/" + opening.sink().groupId();
    final LiveDirection.Answer answer = control.answers().get(sinkKey);
    out.add(new Check(true, answer == null
        ? "note: the " + opening.name() + " sink (" + opening.sink().groupId() + ") has not answered on "
            + opening.sink().control().topic() + " yet; start it now (it holds until the flip)"
        : "the " + opening.name() + " sink answered " + Duration.between(answer.at(), Instant.now()).toSeconds()
            + " s ago: " + answer.state()));
    return out;
  }

  private static List<Check> capturable(final Connection c, final Leg leg) throws SQLException {
    final List<Check> out = new ArrayList<>();
    final String wal = one(c, "SHOW wal_level");
    out.add(new Check("logical".equals(wal), "wal_level of the database the " + leg.name() + " direction captures: "
        + wal + ("logical".equals(wal) ? "" : " (logical decoding needs wal_level = logical; set it and restart)")));
    final String replicates = one(c, "SELECT (rolreplication OR rolsuper)::text FROM pg_roles WHERE rolname = "
        + "current_user");
    out.add(new Check("true".equals(replicates), "user " + leg.capture().user() + (("true".equals(replicates))
        ? " may replicate" : " may not replicate: ALTER ROLE " + leg.capture().user() + " REPLICATION")));
    if (!"logical".equals(wal) || !"true".equals(replicates)) {
      return out;
    }
    final String publication = leg.capture().publicationName();
    if (one(c, "SELECT count(*)::text FROM pg_publication WHERE pubname = '" + publication.replace("'", "''") + "'")
        .equals("0")) {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE PUBLICATION " + LegacyRows.quote(publication) + " FOR TABLE "
            + leg.capture().tables().stream().map(LegacyRows::quoted).collect(Collectors.joining(", "))
            + " WITH (publish_via_partition_root = true)");
      }
      out.add(new Check(true, "publication " + publication + " created for " + leg.capture().tables()));
    } else {
      out.add(new Check(true, "publication " + publication + " exists"));
    }
    final String slot = leg.capture().slotName();
    try (PreparedStatement ps = c.prepareStatement("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE "
        + "slot_name = ?")) {
      ps.setString(1, slot);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          out.add(new Check(true, "replication slot " + slot + " exists, at " + rs.getString(1) + ": the "
              + leg.name() + " capture goes on from its position"));
          return out;
        }
      }
    }
    // a capture that never ran: it must start from the slot made now, not read every table first (the databases were
    // just reconciled, and a snapshot would write every row back)
    final SnapshotMode mode = leg.capture().snapshotMode();
    if (mode != SnapshotMode.NO_DATA) {
      out.add(new Check(false, "the " + leg.name() + " capture has never run and would begin with a snapshot "
          + "(connector.snapshot-mode: " + mode.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
          + "): set it to no-data"));
      return out;
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT lsn::text FROM pg_create_logical_replication_slot(?, "
        + "'pgoutput')")) {
      ps.setString(1, slot);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        out.add(new Check(true, "replication slot " + slot + " created at " + rs.getString(1) + ": the "
            + leg.name() + " capture starts there, whenever it starts"));
      }
    }
    return out;
  }

  private static Check writable(final Connection c, final Leg leg) throws SQLException {
    if (!c.getMetaData().getURL().startsWith("jdbc:postgresql:")) {
      return new Check(true, "the " + leg.name() + " sink's privileges are not checked on this database kind");
    }
    final List<String> refused = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT has_table_privilege(?, 'INSERT, UPDATE, DELETE')")) {
      for (final TableMapping t : leg.processor().mapping().tables()) {
        ps.setString(1, t.targetTable());
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next() || !rs.getBoolean(1)) {
            refused.add(t.targetTable());
          }
        } catch (SQLException e) {
          refused.add(t.targetTable() + " (" + e.getMessage() + ")");
        }
      }
    }
    return new Check(refused.isEmpty(), refused.isEmpty()
        ? "the " + leg.name() + " sink's user " + leg.sink().user() + " may insert, update and delete in its "
            + leg.processor().mapping().tables().size() + " tables"
        : "the " + leg.name() + " sink's user " + leg.sink().user() + " may not write " + refused);
  }

  private static String one(final Connection c, final String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }
}
