package dev.ferry.ops;

import dev.ferry.config.Config;
import dev.ferry.config.Setting;
import java.util.List;

/**
 * Where a service answers operators: one HTTP port per service with {@code /metrics} (Prometheus), {@code
 * /health/live}, {@code /health/ready} and a status page at {@code /}.
 *
 * @param enabled whether the port is opened
 * @param port the base port: the connector listens on it, the processor on the next, the sink on the one after (so
 *     the three services can share one configuration file on one host); 0 picks free ports
 * @param bindAddress the address it listens on
 */
public record OpsConfig(boolean enabled, int port, String bindAddress) {
  private static final String OPS = "ops";

  public static final Setting<Boolean> ENABLED = Setting.bool("ops.enabled", OPS, true,
      "Open each service's HTTP port: /metrics in Prometheus format, /health/live, /health/ready and a status page.");
  public static final Setting<Integer> PORT = Setting.integer("ops.port", OPS, 9400, 0, 65_533,
      "Base HTTP port: the connector listens on it, the processor on port+1, the sink on port+2; 0 picks free ports. "
          + "Each service prints its address at start; the demo and the sandbox pick a free one on 127.0.0.1.");
  public static final Setting<String> BIND_ADDRESS = Setting.string("ops.bind-address", OPS, "0.0.0.0",
      "Address the HTTP port listens on: 0.0.0.0 for every interface (a Prometheus on another host), 127.0.0.1 for "
          + "this host only.");
  public static final List<Setting<?>> SETTINGS = List.of(ENABLED, PORT, BIND_ADDRESS);

  /** For tests and the embedded runs: free ports on the loopback address. */
  public static final OpsConfig LOOPBACK = new OpsConfig(true, 0, "127.0.0.1");

  public static OpsConfig from(final Config config) {
    return new OpsConfig(config.get(ENABLED), config.get(PORT), config.get(BIND_ADDRESS));
  }

  /** Which service listens, and so on which port. */
  public enum Service {
    CONNECTOR(0), PROCESSOR(1), SINK(2), ALL_IN_ONE(0);

    private final int offset;

    Service(final int offset) {
      this.offset = offset;
    }

    public String id() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /** The port {@code service} listens on: 0 (a free one) when the base is 0. */
  public int portOf(final Service service) {
    return port == 0 ? 0 : port + service.offset;
  }
}
