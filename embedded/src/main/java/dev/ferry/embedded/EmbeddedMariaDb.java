package dev.ferry.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.LoggerFactory;

/**
 * A private MariaDB server on loopback with its binary log in ROW format, as a legacy database Debezium captures
 * from. Uses the machine's {@code mariadbd} (Debian's mariadb-server; {@code FERRY_MARIADBD} names another) and
 * {@code mariadb-install-db}; {@link #unavailableBecause()} says why it cannot start where they are missing, so that
 * a test skips saying so. Its data lives in a directory of its own, removed with the work directory. One server holds
 * many databases: tests isolate themselves by {@link #createDatabase}.
 */
public final class EmbeddedMariaDb implements AutoCloseable {
  public static final String USER = "root";
  private static final long START_TIMEOUT_MS = 60_000;
  /** Ports tried before giving up when the one probed was taken before the server bound it. */
  private static final int BIND_ATTEMPTS = 5;

  private final Process process;
  private final int port;
  private final Path dataDir;
  private final ShutdownGuard guard;
  /** A directory made for this server alone, removed when it stops; null when the caller owns the directory. */
  private Path owned;

  private EmbeddedMariaDb(final Process process, final int port, final Path dataDir, final String name) {
    this.process = process;
    this.port = port;
    this.dataDir = dataDir;
    this.guard = new ShutdownGuard(name, this::stop);
  }

  /** Null when a server can be started here, else why not (no {@code mariadbd}, no {@code mariadb-install-db}). */
  public static String unavailableBecause() {
    if (server() == null) {
      return "no MariaDB server binary (mariadbd) on this machine: install Debian's mariadb-server, or set "
          + "FERRY_MARIADBD to one";
    }
    if (installer() == null) {
      return "no mariadb-install-db on this machine (Debian's mariadb-server has it)";
    }
    return null;
  }

  private static Path server() {
    final String override = System.getenv("FERRY_MARIADBD");
    if (override != null && !override.isBlank()) {
      return Files.isExecutable(Path.of(override)) ? Path.of(override) : null;
    }
    return first("/usr/sbin/mariadbd", "/usr/bin/mariadbd", "/usr/sbin/mysqld", "/usr/local/bin/mariadbd");
  }

  private static Path installer() {
    final Path server = server();
    final Path beside = server == null || server.getParent() == null || server.getParent().getParent() == null ? null
        : server.getParent().getParent().resolve("bin/mariadb-install-db");
    if (beside != null && Files.isExecutable(beside)) {
      return beside;
    }
    return first("/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db", "/usr/local/bin/mariadb-install-db");
  }

  private static Path first(final String... candidates) {
    for (final String c : candidates) {
      if (Files.isExecutable(Path.of(c))) {
        return Path.of(c);
      }
    }
    return null;
  }

  /** As {@link #start}, in a temporary directory of its own that {@link #close()} removes. */
  public static EmbeddedMariaDb startTemporary(final String name) {
    final Path dir;
    try {
      dir = Files.createTempDirectory("ferry-mariadb-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for embedded MariaDB '" + name + "'", e);
    }
    final EmbeddedMariaDb db = start(dir, name);
    db.owned = dir;
    return db;
  }

  /**
   * Initialises a data directory under {@code workDir/name} and starts a server on a free loopback port with the
   * binary log on (ROW format, full row images, server id 1), root reachable from 127.0.0.1 without a password.
   *
   * @throws IllegalStateException when it cannot start, with the server's error log
   */
  public static EmbeddedMariaDb start(final Path workDir, final String name) {
    return start(workDir, name, FreePort::pick);
  }

  /** As {@link #start(Path, String)}, on ports from {@code ports}: another when one was taken before it bound. */
  static EmbeddedMariaDb start(final Path workDir, final String name, final IntSupplier ports) {
    final String why = unavailableBecause();
    if (why != null) {
      throw new IllegalStateException(why);
    }
    final Path dir = workDir.resolve(name).toAbsolutePath();
    final Path data = dir.resolve("data");
    try {
      Files.createDirectories(data);
      final boolean root = "root".equals(System.getProperty("user.name"));
      final List<String> install = new ArrayList<>(List.of(installer().toString(), "--no-defaults",
          "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db"));
      if (root) {
        install.add("--user=root");
      }
      final Path installLog = dir.resolve("install.log");
      final Process installer = new ProcessBuilder(install).redirectErrorStream(true)
          .redirectOutput(installLog.toFile()).start();
      if (!installer.waitFor(120, TimeUnit.SECONDS) || installer.exitValue() != 0) {
        installer.destroyForcibly();
        throw new IllegalStateException("mariadb-install-db failed for " + data + ": " + Files.readString(installLog));
      }
      // root may connect over TCP from loopback without a password (the installer makes root@localhost only)
      final Path init = dir.resolve("init.sql");
      Files.writeString(init, "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';\n"
          + "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;\n");
      for (int attempt = 1; ; attempt++) {
        final int port = ports.getAsInt();
        final List<String> command = new ArrayList<>(List.of(server().toString(), "--no-defaults",
            "--datadir=" + data, "--port=" + port, "--bind-address=127.0.0.1", "--socket=" + dir.resolve("mysqld.sock"),
            "--pid-file=" + dir.resolve("mysqld.pid"), "--log-error=" + dir.resolve("error.log"),
            "--tmpdir=" + dir, "--init-file=" + init, "--skip-name-resolve",
            "--log-bin=" + dir.resolve("binlog"), "--binlog-format=ROW", "--binlog-row-image=FULL", "--server-id=1",
            "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=48M", "--innodb-flush-log-at-trx-commit=2",
            "--sync-binlog=0", "--max-connections=200", "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_unicode_ci"));
        if (root) {
          command.add("--user=root");
        }
        Files.deleteIfExists(dir.resolve("error.log"));
        final Process server = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(dir.resolve("console.log").toFile()).start();
        final EmbeddedMariaDb db = new EmbeddedMariaDb(server, port, dir, name);
        try {
          db.awaitUp();
          return db;
        } catch (IllegalStateException e) {
          if (attempt == BIND_ATTEMPTS || !PortTaken.causedBy(e)) {
            throw e;
          }
          db.close();
          LoggerFactory.getLogger(EmbeddedMariaDb.class).warn("embedded MariaDB '{}': port {} was taken; starting it "
              + "again on another port ({} of {})", name, port, attempt + 1, BIND_ATTEMPTS);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start embedded MariaDB '" + name + "' in " + dir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting embedded MariaDB '" + name + "'", e);
    }
  }

  /**
   * Returns once this server answers on its port. A server that gave up because the port was taken says so in its
   * error log ("Address already in use"); another server on the port (another test JVM's, which probed the same
   * port) answers too, and is told apart by its data directory.
   */
  private void awaitUp() throws IOException, InterruptedException {
    final long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
    SQLException last = null;
    while (System.currentTimeMillis() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("embedded MariaDB exited with " + process.exitValue() + ": "
            + errorLog());
      }
      // short timeouts: a listener on the port that is not a server (it took the port first) never greets
      try (Connection c = DriverManager.getConnection(jdbcUrl("") + "?connectTimeout=2000&socketTimeout=2000", USER,
          ""); Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT @@datadir")) {
        r.next();
        final Path answering = Path.of(r.getString(1));
        if (!Files.isSameFile(answering, dataDir.resolve("data"))) {
          throw new IllegalStateException("embedded MariaDB: another server (data directory " + answering
              + ") answers on 127.0.0.1:" + port + ", address already in use");
        }
        return;
      } catch (SQLException e) {
        last = e;
        Thread.sleep(200);
      }
    }
    stop();
    throw new IllegalStateException("embedded MariaDB did not answer on 127.0.0.1:" + port + " within "
        + START_TIMEOUT_MS / 1000 + " s (" + last + "): " + errorLog());
  }

  private String errorLog() throws IOException {
    final Path log = dataDir.resolve("error.log");
    return Files.exists(log) ? Files.readString(log) : "(no error log)";
  }

  /** Creates database {@code database} (dropping a leftover of the same name) and returns its JDBC URL. */
  public String createDatabase(final String database) {
    try (Connection c = connect(""); Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS `" + database + "`");
      s.execute("CREATE DATABASE `" + database + "`");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + database + " on embedded MariaDB", e);
    }
    return jdbcUrl(database);
  }

  public String jdbcUrl(final String database) {
    return "jdbc:mariadb://127.0.0.1:" + port + "/" + database;
  }

  public Connection connect(final String database) throws SQLException {
    return DriverManager.getConnection(jdbcUrl(database), USER, "");
  }

  public int port() {
    return port;
  }

  public String host() {
    return "127.0.0.1";
  }

  @Override
  public void close() {
    stop();
    guard.closed();
    if (owned != null) {
      try (var files = Files.walk(owned)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot remove " + owned, e);
      }
    }
  }

  private void stop() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
