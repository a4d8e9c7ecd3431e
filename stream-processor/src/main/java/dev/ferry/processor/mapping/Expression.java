package dev.ferry.processor.mapping;

import com.google.protobuf.NullValue;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.cel.runtime.CelUnknownSet;
import java.util.HashMap;
import java.util.Map;

/**
 * An expression in CEL (the Common Expression Language, as Kubernetes uses it) over one row, available
 * as {@code row}: {@code row.quantity > 0}, {@code row.first_name + ' ' + row.last_name}. In a row,
 * whole numbers are {@code int}, other numbers {@code double}, dates and timestamps ISO-8601 text.
 * Compiled once when the mapping is loaded; thread-safe.
 */
public final class Expression {
  private static final CelOptions OPTIONS = CelOptions.current().build();
  /** CEL's macros ({@code has}, {@code exists}, ...) and its string and math extensions ({@code trim()}, {@code math.round()}, ...). */
  private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
      .setOptions(OPTIONS)
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
      .addLibraries(CelExtensions.strings(), CelExtensions.math(OPTIONS))
      .addVar("row", MapType.create(SimpleType.STRING, SimpleType.DYN)).build();
  private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder()
      .setOptions(OPTIONS)
      .addLibraries(CelExtensions.strings(), CelExtensions.math(OPTIONS)).build();

  private final String text;
  private final CelRuntime.Program program;

  private Expression(final String text, final CelRuntime.Program program) {
    this.text = text;
    this.program = program;
  }

  /** @throws IllegalArgumentException with the compiler's message when {@code text} is not valid CEL */
  public static Expression compile(final String text) {
    try {
      final CelAbstractSyntaxTree ast = COMPILER.compile(text).getAst();
      return new Expression(text, RUNTIME.createProgram(ast));
    } catch (CelValidationException | CelEvaluationException e) {
      throw new IllegalArgumentException(e.getMessage().replace('\n', ' '));
    }
  }

  /**
   * Evaluates over {@code row}; CEL's {@code null} comes back as Java's null.
   *
   * @throws ConversionException when evaluation fails (a missing column, a type mismatch)
   */
  public Object eval(final Map<String, Object> row) {
    try {
      // CEL's null is a value of its own: a Java null in the row would read as "unknown", not as null
      Map<String, Object> celRow = row;
      if (row.values().stream().anyMatch(java.util.Objects::isNull)) {
        celRow = new HashMap<>(row.size() * 2);
        for (final Map.Entry<String, Object> e : row.entrySet()) {
          celRow.put(e.getKey(), e.getValue() == null ? NullValue.NULL_VALUE : e.getValue());
        }
      }
      final Object result = program.eval(Map.of("row", celRow));
      if (result instanceof NullValue || result instanceof dev.cel.common.values.NullValue) {
        return null;
      }
      if (result instanceof CelUnknownSet) {
        throw new ConversionException("map.expression", "expression '" + text + "' has no value for this row",
            "check the expression against this row's values");
      }
      return result;
    } catch (CelEvaluationException e) {
      throw new ConversionException("map.expression", "expression '" + text + "' failed: " + e.getMessage(),
          "check the expression against this row's values");
    }
  }

  /** True when the expression evaluates to {@code true}. */
  public boolean test(final Map<String, Object> row) {
    return Boolean.TRUE.equals(eval(row));
  }

  public String text() {
    return text;
  }
}
