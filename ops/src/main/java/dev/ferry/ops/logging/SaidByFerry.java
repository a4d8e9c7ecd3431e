package dev.ferry.ops.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.Map;
import java.util.Set;
import org.slf4j.Marker;

/**
 * Drops a library's log line that Ferry always says itself, in its own words, right after: two lines for one event,
 * the library's at a level that does not fit it, make an operator chase an alarm that is not one.
 *
 * <ul>
 *   <li>Debezium's {@code AsyncEmbeddedEngine} logs ERROR "Engine has failed with" and the whole stack trace whenever
 *       its engine stops with an error, then hands the error to Ferry's completion callback, which logs it as an
 *       ERROR with what it means and what to do, or, when the legacy server went away as the engine started, as a
 *       WARN while it waits to start a new engine ({@code CaptureEngine}). The ERROR came first either way: a legacy
 *       server restarted while the capture started read as a failure in every log before session 45.</li>
 * </ul>
 *
 * A turbo filter: it sees the logger and the message pattern before an event is made, and it stays when
 * {@code logging.format: json} replaces the appenders ({@link Logging}).
 */
public final class SaidByFerry extends TurboFilter {
  /** Per logger, the message patterns Ferry repeats in its own words. */
  private static final Map<String, Set<String>> REPEATED = Map.of(
      "io.debezium.embedded.async.AsyncEmbeddedEngine", Set.of("Engine has failed with "));

  @Override
  public FilterReply decide(final Marker marker, final Logger logger, final Level level, final String format,
      final Object[] params, final Throwable t) {
    if (logger == null || format == null) {
      return FilterReply.NEUTRAL;
    }
    final Set<String> formats = REPEATED.get(logger.getName());
    return formats != null && formats.contains(format) ? FilterReply.DENY : FilterReply.NEUTRAL;
  }
}
