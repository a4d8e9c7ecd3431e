package dev.ferry.processor.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExpressionTest {

  private static Object eval(final String expr, final Map<String, Object> row) {
    return Expression.compile(expr).eval(row);
  }

  @Test
  void theStringExtensionsThatDocsMappingMdListsAreThere() {
    final Map<String, Object> row = Map.of("email", "  Ann.Lee@Example.ORG ", "code", "a-b-c");
    assertThat(eval("row.email.trim().lowerAscii()", row)).isEqualTo("ann.lee@example.org");
    assertThat(eval("row.email.trim().upperAscii()", row)).isEqualTo("ANN.LEE@EXAMPLE.ORG");
    assertThat(eval("row.code.replace('-', '')", row)).isEqualTo("abc");
    assertThat(eval("row.code.split('-').size()", row)).isEqualTo(3L);
    assertThat(eval("row.code.substring(2)", row)).isEqualTo("b-c");
    assertThat(eval("row.code.indexOf('c')", row)).isEqualTo(4L);
    assertThat(eval("['x', 'y'].join('/')", row)).isEqualTo("x/y");
    assertThat(eval("row.code.startsWith('a') && row.code.endsWith('c') && row.code.contains('b')", row))
        .isEqualTo(true);
    assertThat(eval("row.code.matches('^[a-c-]+$')", row)).isEqualTo(true);
  }

  /** Every function docs/mapping.md lists is there. */
  @Test
  void everyDocumentedFunctionCompilesAndRuns() {
    final Map<String, Object> row = Map.of("s", "abcab", "x", 2.5, "n", -4L);
    assertThat(eval("row.s.charAt(1) + row.s.reverse()", row)).isEqualTo("bbacba");
    assertThat(eval("row.s.lastIndexOf('ab')", row)).isEqualTo(3L);
    assertThat(eval("strings.quote(row.s)", row)).isEqualTo("\"abcab\"");
    assertThat(eval("[math.ceil(row.x), math.floor(row.x), math.trunc(row.x), math.sqrt(6.25)]", row))
        .isEqualTo(java.util.List.of(3.0, 2.0, 2.0, 2.5));
    assertThat(eval("[math.sign(row.n), math.least(3, 1, 2), math.abs(row.n)]", row))
        .isEqualTo(java.util.List.of(-1L, 1L, 4L));
    assertThat(eval("math.isNaN(0.0 / 0.0) && math.isInf(1.0 / 0.0) && math.isFinite(row.x)", row)).isEqualTo(true);
    assertThat(eval("has(row.s) && bool('true') && uint(3) == 3u && string(row.n) == '-4' && int('7') == 7", row))
        .isEqualTo(true);
  }

  @Test
  void mathExtensionsRoundMoneyToCents() {
    final Map<String, Object> row = Map.of("total", 0.29, "n", -3L);
    // 0.29 * 100.0 is 28.999999999999996 as a double: int() truncates, math.round() does not
    assertThat(eval("int(row.total * 100.0)", row)).isEqualTo(28L);
    assertThat(eval("int(math.round(row.total * 100.0))", row)).isEqualTo(29L);
    assertThat(eval("math.abs(row.n)", row)).isEqualTo(3L);
    assertThat(eval("math.greatest(1, 5, 3)", row)).isEqualTo(5L);
  }

  @Test
  void celsNullIsJavasNull() {
    final Map<String, Object> row = new HashMap<>();
    row.put("email", null);
    assertThat(eval("row.email == null ? row.email : row.email.trim()", row)).isNull();
    assertThat(eval("null", row)).isNull();
    // a NULL column is null, not "unknown": a filter or rule over it decides, instead of dropping the row
    assertThat(Expression.compile("row.email != null").test(row)).isFalse();
    assertThat(Expression.compile("row.email == null").test(row)).isTrue();
    row.put("active", true);
    assertThat(Expression.compile("!row.active || row.email != null").test(row)).isFalse();
  }

  @Test
  void anUnknownFunctionIsACompileErrorNamingIt() {
    assertThatThrownBy(() -> Expression.compile("row.email.toLowerCase()"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("toLowerCase");
  }

  @Test
  void aMissingColumnFailsAtEvaluationAsAConversionError() {
    final Map<String, Object> row = new HashMap<>();
    row.put("a", null);
    assertThatThrownBy(() -> eval("row.b + 'x'", row)).isInstanceOf(ConversionException.class)
        .hasMessageContaining("row.b");
  }
}
