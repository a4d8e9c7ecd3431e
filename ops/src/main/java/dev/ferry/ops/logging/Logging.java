package dev.ferry.ops.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Applies {@link LogSettings} to the running process's Logback (the {@code ferry} command ships it, with its plain
 * format in {@code logback.xml}). Where SLF4J is bound to something else (a library's tests use slf4j-simple), the
 * settings cannot be applied and {@link #apply} says so once.
 */
public final class Logging {
  private Logging() {
  }

  /**
   * Applies {@code settings} for {@code service} and returns where the service prints its own announcements (its
   * status page's address, its stop): standard output for plain lines; in JSON, a stream whose each line becomes an
   * info event of logger {@code dev.ferry.<service>}, so that standard output holds JSON only.
   */
  public static PrintStream apply(final LogSettings settings, final String service) {
    final ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (!(factory instanceof LoggerContext context)) {
      if (settings.format() == LogSettings.Format.JSON) {
        System.err.println("logging.format json needs Logback, and SLF4J is bound to " + factory.getClass().getName()
            + ": logging in plain lines");
      }
      return System.out;
    }
    context.getLogger("dev.ferry").setLevel(Level.toLevel(settings.level().name()));
    if (settings.format() == LogSettings.Format.TEXT) {
      return System.out;
    }
    final JsonLines encoder = new JsonLines();
    encoder.setContext(context);
    encoder.setService(service);
    encoder.start();
    final ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setName("json");
    appender.setTarget("System.out");
    appender.setEncoder(encoder);
    appender.start();
    final Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.detachAndStopAllAppenders();
    root.addAppender(appender);
    return new PrintStream(new LineLogger(LoggerFactory.getLogger("dev.ferry." + service)), true,
        StandardCharsets.UTF_8);
  }

  /** Sets the levels of {@code loggers} (name to level: off, error, warn, info, debug); a no-op without Logback. */
  public static void levels(final Map<String, String> loggers) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      loggers.forEach((name, level) -> context.getLogger(name).setLevel(Level.toLevel(level, Level.INFO)));
    }
  }

  /** Each line written becomes one info event; a line without its newline waits for it (or for close). */
  private static final class LineLogger extends OutputStream {
    private final org.slf4j.Logger log;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    LineLogger(final org.slf4j.Logger log) {
      this.log = log;
    }

    @Override
    public synchronized void write(final int b) {
      if (b == '\n') {
        emit();
      } else {
        line.write(b);
      }
    }

    @Override
    public synchronized void close() {
      if (line.size() > 0) {
        emit();
      }
    }

    private void emit() {
      String text = line.toString(StandardCharsets.UTF_8);
      if (text.endsWith("\r")) {
        text = text.substring(0, text.length() - 1);
      }
      line.reset();
      log.info(text);
    }
  }
}
