package dev.ferry.connector;

import dev.ferry.config.ConfigProblem;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the legacy server must allow before a capture can read its changes, checked at the capture's start ({@link
 * CapturedTables#read}) and by {@code ferry check}: {@code wal_level = logical}, a user that may replicate
 * ({@code REPLICATION}, superuser, or on Amazon RDS a member of {@code rds_replication}), and, where the capture's
 * replication slot does not exist yet, a free slot (two with the direct initial load, whose temporary slot is copied
 * into the capture's).
 *
 * <p>Why here: each of these is the usual first failure on a legacy server nobody prepared for Ferry, and Debezium
 * (or the direct load's temporary slot) finds it only after topics were created and a load began, in its own words
 * ("Postgres server wal_level property must be 'logical'", "must be superuser or replication role to start
 * walsender"). Said at the start, with the statement that fixes it, nothing starts first.
 */
public final class LogicalDecoding {
  private LogicalDecoding() {
  }

  /**
   * What the legacy server {@code legacy} (connected as the capture's user) lacks for capture {@code config}; empty
   * when nothing.
   */
  public static List<ConfigProblem> problems(final Connection legacy, final ConnectorConfig config)
      throws SQLException {
    final List<ConfigProblem> problems = new ArrayList<>();
    final String walLevel = setting(legacy, "wal_level");
    if (!"logical".equals(walLevel)) {
      problems.add(new ConfigProblem("(legacy server " + config.server() + ")", null, null, "its wal_level is '"
          + walLevel + "', and a capture reads changes by logical decoding, which needs wal_level = logical: run "
          + "ALTER SYSTEM SET wal_level = logical on it and restart it (on a managed server: its parameter for logical "
          + "replication, such as rds.logical_replication = 1 or cloudsql.logical_decoding = on)"));
    }
    // Amazon RDS grants replication by membership in its rds_replication role, not by the attribute
    try (PreparedStatement ps = legacy.prepareStatement("SELECT r.rolreplication OR r.rolsuper OR EXISTS (SELECT 1 "
        + "FROM pg_roles g WHERE g.rolname = 'rds_replication' AND pg_has_role(current_user, g.oid, 'member')) "
        + "FROM pg_roles r WHERE r.rolname = current_user");
        ResultSet rs = ps.executeQuery()) {
      if (rs.next() && !rs.getBoolean(1)) {
        problems.add(new ConfigProblem("legacy.user", config.user(), null, "this user may not replicate, and a "
            + "capture streams changes over a replication connection: run ALTER ROLE " + config.user()
            + " REPLICATION on the legacy server (on Amazon RDS: GRANT rds_replication TO " + config.user()
            + "), or connect as a user that may"));
      }
    }
    if (SlotHealth.read(legacy, config.slotName()).absent()) {
      // the direct load holds a temporary slot while it copies it into the capture's own
      final int needed = config.loadsDirectly() ? 2 : 1;
      final int max = Integer.parseInt(setting(legacy, "max_replication_slots"));
      final List<String> used = usedSlots(legacy);
      if (max - used.size() < needed) {
        problems.add(new ConfigProblem("(legacy server " + config.server() + ")", null, null, "replication slot "
            + config.slotName() + " is to be created, which takes " + needed + " free slot" + (needed == 1 ? "" : "s")
            + (needed == 1 ? "" : " while the direct initial load runs") + ", but " + used.size() + " of its "
            + max + " (max_replication_slots) are taken " + used + ": raise max_replication_slots (and restart it), "
            + "or drop a slot nothing reads any more (SELECT pg_drop_replication_slot('<name>'))"));
      }
    }
    return problems;
  }

  private static String setting(final Connection c, final String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT current_setting(?)")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  private static List<String> usedSlots(final Connection c) throws SQLException {
    final List<String> names = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT slot_name FROM pg_replication_slots ORDER BY 1");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }
}
