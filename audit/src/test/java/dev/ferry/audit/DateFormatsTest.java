package dev.ferry.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DateFormatsTest {
  @Test
  void aJavaPatternBecomesTheShapeOfItsDates() {
    final Pattern dotted = Pattern.compile(DateFormats.regex("dd.MM.yyyy"));
    assertThat(dotted.matcher("31.12.2026").matches()).isTrue();
    assertThat(dotted.matcher(" 1.2.2026 ").matches()).isTrue();
    assertThat(dotted.matcher("2026-12-31").matches()).isFalse();
    assertThat(dotted.matcher("31/12/2026").matches()).isFalse();
    final Pattern iso = Pattern.compile(DateFormats.regex("yyyy-MM-dd'T'HH:mm:ss"));
    assertThat(iso.matcher("2026-12-31T23:59:01").matches()).isTrue();
    assertThat(Pattern.compile(DateFormats.regex("dd MMM yy")).matcher("05 Dec 26").matches()).isTrue();
  }
}
