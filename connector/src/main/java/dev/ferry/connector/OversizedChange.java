package dev.ferry.connector;

import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.DeadLetters;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.Stage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The dead letter of a change too large to publish (stage CAPTURE): it names the largest column and the sizes,
 * and carries no original bytes (they would not fit either); the resolution says how to send the row again. Used by the
 * capture for a change event and by the direct initial load for a mapped row.
 */
public final class OversizedChange {
  /** The largest record Ferry sends: its topics' limit, less room for the key and the record batch's framing. */
  public static final int LARGEST_BYTES = FerryTopics.MAX_MESSAGE_BYTES - 64 * 1024;
  /** Why a record over {@link #LARGEST_BYTES} is not sent. */
  public static final String WHY = "larger than the " + FerryTopics.MAX_MESSAGE_BYTES + " bytes Ferry's topics take";

  private OversizedChange() {
  }

  /** The dead letter of {@code change}, {@code bytes} long as it would have gone to {@code topic}. */
  public static DeadLetter deadLetter(final ChangeEvent change, final int bytes, final String topic, final String why) {
    final ColumnValue largest = largestColumn(change);
    final String size = largest == null ? "?" : String.format(Locale.ROOT, "%,d", sizeOf(largest));
    return DeadLetters.of(Stage.CAPTURE, topic, -1, -1L, null, null, change,
        List.of(DeadLetters.error("capture.too-large", largest == null ? null : largest.getName(),
            largest == null ? null : size + " bytes",
            String.format(Locale.ROOT, "the change is %,d bytes, %s; its largest column %s holds %s bytes",
                bytes, why, largest == null ? "?" : largest.getName(), size),
            "raise max.message.bytes of " + topic + " and the producers' max.request.size, or leave the column out "
                + "of legacy.tables' capture; then touch the row (UPDATE .. SET col = col) to send it again")), null);
  }

  private static ColumnValue largestColumn(final ChangeEvent change) {
    ColumnValue largest = null;
    for (final List<ColumnValue> row : Arrays.asList(change.getAfter(), change.getBefore())) {
      if (row == null) {
        continue;
      }
      for (final ColumnValue c : row) {
        if (largest == null || sizeOf(c) > sizeOf(largest)) {
          largest = c;
        }
      }
    }
    return largest;
  }

  private static long sizeOf(final ColumnValue c) {
    final Object v = c.getValue();
    if (v instanceof CharSequence text) {
      return text.toString().getBytes(StandardCharsets.UTF_8).length;
    }
    if (v instanceof ByteBuffer b) {
      return b.remaining();
    }
    return v == null ? 0 : 8;
  }
}
