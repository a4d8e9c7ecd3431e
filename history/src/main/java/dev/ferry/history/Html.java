package dev.ferry.history;

import java.util.Locale;

/** The small pieces Ferry's self-contained report pages (audit, reconcile, history) share. */
public final class Html {
  private Html() {
  }

  /** {@code s} as HTML text; empty for null. */
  public static String esc(final String s) {
    return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  /** A right-aligned table cell holding {@code n} with thousands separators. */
  public static String num(final long n) {
    return "<td class=\"num\">" + String.format(Locale.ROOT, "%,d", n) + "</td>";
  }
}
