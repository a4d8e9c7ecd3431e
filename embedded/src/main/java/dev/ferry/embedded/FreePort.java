package dev.ferry.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A free TCP port on the loopback interface, chosen by the operating system, and never one this process has handed
 * out before: a probe's port is free again once its socket closes, so the operating system may offer it twice, and
 * the services of one embedded stack (Kafka's three listeners, two databases, the registry) pick theirs before any of
 * them binds. Twice the same port made the broker refuse to start ("two listeners on the same port").
 *
 * <p>A port handed out is free only until something binds it: another JVM's probe (the integration tests run two,
 * each starting a stack at once), a process beside it that binds port 0 (the registry). So each server that takes a
 * picked port starts again on another when it was taken ({@link EmbeddedKafka}, {@link EmbeddedDatabase},
 * {@link EmbeddedMariaDb}, with {@link PortTaken} and {@link #bindable}).
 */
final class FreePort {
  /** Probes before giving up: only ports this process already handed out are retried. */
  private static final int TRIES = 100;
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  private FreePort() {
  }

  static int pick() {
    for (int i = 0; i < TRIES; i++) {
      final int port = probe();
      if (HANDED_OUT.add(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port on loopback that this process has not handed out already ("
        + TRIES + " probes)");
  }

  private static int probe() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on loopback", e);
    }
  }

  /** Whether a listener could bind {@code port} on loopback now. */
  static boolean bindable(final int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
