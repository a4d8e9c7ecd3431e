package dev.ferry.ops.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.slf4j.event.KeyValuePair;

/**
 * Logback encoder writing each event as one JSON object on one line: {@code time}, {@code level}, {@code logger},
 * {@code thread}, {@code service}, {@code message}, then the event's key-value pairs (SLF4J's fluent API) and MDC
 * entries as fields, and {@code error} (the stack trace as Logback prints it) when the event has one. Newlines inside a
 * message or a stack trace are escaped, so a shipper splitting on newlines gets whole events.
 */
public final class JsonLines extends EncoderBase<ILoggingEvent> {
  private String service = "ferry";

  /** The {@code service} field: connector, processor, sink, or the command's name. */
  public void setService(final String service) {
    this.service = service;
  }

  @Override
  public byte[] headerBytes() {
    return null;
  }

  @Override
  public byte[] encode(final ILoggingEvent event) {
    final StringBuilder b = new StringBuilder(256);
    b.append('{');
    field(b, "time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
    field(b, "level", event.getLevel().toString());
    field(b, "logger", event.getLoggerName());
    field(b, "thread", event.getThreadName());
    field(b, "service", service);
    field(b, "message", event.getFormattedMessage());
    if (event.getKeyValuePairs() != null) {
      for (final KeyValuePair kv : event.getKeyValuePairs()) {
        field(b, kv.key, String.valueOf(kv.value));
      }
    }
    final Map<String, String> mdc = event.getMDCPropertyMap();
    if (mdc != null) {
      mdc.forEach((k, v) -> field(b, k, v));
    }
    final IThrowableProxy error = event.getThrowableProxy();
    if (error != null) {
      field(b, "error", ThrowableProxyUtil.asString(error));
    }
    b.setCharAt(b.length() - 1, '}');
    b.append('\n');
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public byte[] footerBytes() {
    return null;
  }

  /** Appends {@code "name":"value",} with JSON's escapes; a null value is written as null. */
  private static void field(final StringBuilder b, final String name, final String value) {
    quoted(b, name);
    b.append(':');
    if (value == null) {
      b.append("null");
    } else {
      quoted(b, value);
    }
    b.append(',');
  }

  static void quoted(final StringBuilder b, final String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      final char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
