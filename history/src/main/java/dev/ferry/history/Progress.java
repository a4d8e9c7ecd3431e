package dev.ferry.history;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of a long run (audit, reconcile, replay), one task at a time: on a terminal a bar redrawn in place with
 * rows, percentage and rate; elsewhere (a log, CI, a pipe) a plain line every {@value #PLAIN_EVERY_MS} ms, so that
 * logs stay readable. Not thread-safe: one task advances from one thread.
 */
public final class Progress {
  private static final long PLAIN_EVERY_MS = 5_000;
  private static final long BAR_EVERY_MS = 200;
  private static final int WIDTH = 30;

  private final PrintStream out;
  private final boolean terminal;

  Progress(final PrintStream out, final boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  /** Progress on {@code out}, drawn as a bar when this process writes to a terminal. */
  public static Progress to(final PrintStream out) {
    final String term = System.getenv("TERM");
    return new Progress(out, System.console() != null && out == System.out && term != null && !"dumb".equals(term));
  }

  /** Progress as plain lines, whatever the output is. */
  public static Progress plain(final PrintStream out) {
    return new Progress(out, false);
  }

  /** Starts a task of {@code total} {@code unit}s (-1 when not known). */
  public Task start(final String label, final long total, final String unit) {
    return new Task(label, total, unit);
  }

  /** One task: advance it as work is done, end it with a summary line. */
  public final class Task {
    private final String label;
    private final long total;
    private final String unit;
    private final long started = System.nanoTime();
    private long lastShown = System.nanoTime();
    private long done;

    private Task(final String label, final long total, final String unit) {
      this.label = label;
      this.total = total;
      this.unit = unit;
    }

    /** {@code n} more units done. */
    public void advance(final long n) {
      done += n;
      final long now = System.nanoTime();
      if ((now - lastShown) / 1_000_000 >= (terminal ? BAR_EVERY_MS : PLAIN_EVERY_MS)) {
        lastShown = now;
        show();
      }
    }

    /** Ends the task: clears the bar and prints {@code summary} on a line of its own. */
    public void end(final String summary) {
      if (terminal) {
        out.print("\r\033[2K");
      }
      out.println(summary);
    }

    private void show() {
      final double seconds = Math.max(1e-3, (System.nanoTime() - started) / 1e9);
      final String rate = String.format(Locale.ROOT, "%,.0f %s/s", done / seconds, unit);
      if (!terminal) {
        out.printf(Locale.ROOT, "  %s: %,d%s %s (%s)%n", label, done, total >= 0 ? String.format(Locale.ROOT,
            " of %,d", total) : "", unit, rate);
        return;
      }
      final StringBuilder bar = new StringBuilder("\r\033[2K  ").append(label).append(" [");
      final int filled = total > 0 ? (int) Math.min(WIDTH, done * WIDTH / total) : 0;
      bar.append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append("] ");
      if (total > 0) {
        bar.append(String.format(Locale.ROOT, "%3d%% ", Math.min(100, done * 100 / total)));
      }
      bar.append(String.format(Locale.ROOT, "%,d%s %s, %s", done, total >= 0 ? String.format(Locale.ROOT, "/%,d",
          total) : "", unit, rate));
      out.print(bar);
      out.flush();
    }
  }
}
