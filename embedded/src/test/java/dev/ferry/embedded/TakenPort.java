package dev.ferry.embedded;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/** For the port tests: ports handed out as {@link FreePort} does, the first of them one already taken. */
final class TakenPort {
  private TakenPort() {
  }

  /** {@code port} first, then free ones. */
  static IntSupplier firstThen(final int port) {
    final AtomicInteger asked = new AtomicInteger();
    return () -> asked.getAndIncrement() == 0 ? port : FreePort.pick();
  }

  /** The data directory of the server {@code c} is connected to, as {@code query} reads it. */
  static Path dataDirectory(final Connection c, final String query) throws Exception {
    try (c; Statement s = c.createStatement(); ResultSet r = s.executeQuery(query)) {
      r.next();
      return Path.of(r.getString(1)).toRealPath();
    }
  }
}
