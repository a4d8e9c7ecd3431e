package dev.ferry.sink;

import java.lang.management.ManagementFactory;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sink's figures as a JMX MBean on the platform server, registered while the sink runs. Reads the
 * sink's own counters when asked; keeps nothing itself.
 */
final class SinkMetrics implements SinkMetricsMBean {
  private static final Logger LOG = LoggerFactory.getLogger(SinkMetrics.class);
  private final TargetSink sink;
  private final ObjectName name;

  private SinkMetrics(final TargetSink sink, final ObjectName name) {
    this.sink = sink;
    this.name = name;
  }

  /** The name a sink of consumer group {@code groupId} registers under. */
  static ObjectName nameFor(final String groupId) {
    try {
      return new ObjectName("dev.ferry:type=sink,group=" + ObjectName.quote(groupId));
    } catch (JMException e) {
      throw new IllegalArgumentException("no JMX name for sink group " + groupId, e);
    }
  }

  /**
   * Registers the metrics of {@code sink}; null when another sink of the same group in this JVM already
   * has the name (its figures stay visible, this one's are not), with a warning.
   */
  static SinkMetrics register(final TargetSink sink, final String groupId) {
    final SinkMetrics metrics = new SinkMetrics(sink, nameFor(groupId));
    try {
      ManagementFactory.getPlatformMBeanServer().registerMBean(metrics, metrics.name);
      return metrics;
    } catch (InstanceAlreadyExistsException e) {
      LOG.warn("JMX name {} is taken by another sink of group {} in this JVM; this one's metrics are not registered",
          metrics.name, groupId);
      return null;
    } catch (JMException e) {
      LOG.warn("cannot register the sink's metrics as {}: {}", metrics.name, e.toString());
      return null;
    }
  }

  /** Removes the MBean; the sink has stopped. */
  void unregister() {
    final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    try {
      if (server.isRegistered(name)) {
        server.unregisterMBean(name);
      }
    } catch (JMException e) {
      LOG.debug("cannot unregister {}: {}", name, e.toString());
    }
  }

  @Override
  public long getRowsApplied() {
    return sink.applied();
  }

  @Override
  public long getDeadLetters() {
    return sink.failed();
  }

  @Override
  public long getParkedRows() {
    return sink.parked();
  }

  @Override
  public long getLag() {
    return sink.lag();
  }

  @Override
  public long getBatchesSplit() {
    return sink.splitBatches();
  }

  @Override
  public long getBrokenTargetRetries() {
    return sink.brokenTargetRetries();
  }

  @Override
  public long getLastSourceTimestampMs() {
    return sink.lastSourceTsMs();
  }

  @Override
  public long getReplicationDelayMs() {
    final long last = sink.lastSourceTsMs();
    if (last == 0) {
      return -1;
    }
    // caught up: a quiet source is not a delay, and an alert on this figure must not fire at night
    return sink.lag() == 0 ? 0 : Math.max(0, System.currentTimeMillis() - last);
  }

  @Override
  public boolean isRunning() {
    return sink.isRunning();
  }
}
