package dev.ferry.ops.logging;

import dev.ferry.config.Config;
import dev.ferry.config.Setting;
import java.util.List;

/**
 * How a service logs: plain lines for a terminal, or one JSON object per line for a log shipper (Fluent Bit,
 * Vector, Promtail, an ELK agent), and how much of Ferry's own.
 *
 * @param format plain text or JSON lines
 * @param level the least level of Ferry's own loggers ({@code dev.ferry}); the libraries under it keep theirs
 *     (Kafka, Debezium: warnings and errors)
 */
public record LogSettings(Format format, Level level) {
  private static final String GROUP = "logging";

  /** How each line looks. */
  public enum Format {
    /** {@code 12:00:01.234 INFO TargetSink - ...} on standard error. */
    TEXT,
    /**
     * One JSON object per line on standard output: {@code time} (ISO-8601, UTC), {@code level}, {@code logger},
     * {@code thread}, {@code service}, {@code message}, the event's key-value pairs, {@code error} with the stack
     * trace when there is one. The service's own announcements (its status page, its stop) come the same way.
     */
    JSON
  }

  /** Levels of Ferry's own loggers. */
  public enum Level {
    ERROR, WARN, INFO, DEBUG, TRACE
  }

  public static final Setting<Format> FORMAT = Setting.option("logging.format", GROUP, Format.TEXT, Format.class,
      "text: plain lines on standard error, for a terminal; json: one JSON object per line on standard output "
          + "(time, level, logger, thread, service, message, error), for a log shipper.");
  public static final Setting<Level> LEVEL = Setting.option("logging.level", GROUP, Level.INFO, Level.class,
      "Least level of Ferry's own log lines; Kafka's and Debezium's stay at warn.");
  public static final List<Setting<?>> SETTINGS = List.of(FORMAT, LEVEL);

  /** Plain lines at info: what a service does before its configuration is read. */
  public static final LogSettings DEFAULT = new LogSettings(Format.TEXT, Level.INFO);

  public static LogSettings from(final Config config) {
    return new LogSettings(config.get(FORMAT), config.get(LEVEL));
  }
}
