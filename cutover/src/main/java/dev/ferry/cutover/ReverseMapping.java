package dev.ferry.cutover;

import dev.ferry.config.YamlNode;
import dev.ferry.processor.mapping.Lookup;
import dev.ferry.processor.mapping.Mapping;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Drafts the reverse mapping (the new system's tables back into the legacy ones, for the sync after cutover) from
 * the forward mapping, field by field, wherever a step can be inverted: a copied column goes back as it came, a
 * conversion back to the legacy column's type, a lookup through its inverse, a {@code concat} with a separator as
 * a {@code split} and a {@code split} into first and rest as a {@code concat}. For every legacy column it says what
 * the round trip legacy -> new -> legacy does to it: {@linkplain Restored#EXACT exact}, {@linkplain Restored#LOSSY
 * lossy} (which step loses what), or {@linkplain Restored#NOT_RESTORED not restored} (why: derived by an
 * expression, only one part of a split kept, never read).
 *
 * <p>Read from the forward file as written (the parsed mapping keeps its steps as code), which {@code MappingFile}
 * has already validated; the parsed mapping gives the lookups' tables to invert. The draft is a starting point an
 * operator reviews; it is never used without that.
 */
public final class ReverseMapping {
  private ReverseMapping() {
  }

  /** What the round trip does to a legacy column. */
  public enum Restored {
    EXACT("exact"), LOSSY("lossy"), NOT_RESTORED("not restored");

    private final String words;

    Restored(final String words) {
      this.words = words;
    }

    public String words() {
      return words;
    }
  }

  /** What the round trip does to one legacy column, and why. */
  public record Finding(String legacyTable, String column, Restored restored, String why) {
    @Override
    public String toString() {
      return legacyTable + "." + column + ": " + restored.words() + (why.isEmpty() ? "" : " (" + why + ")");
    }
  }

  /**
   * One reverse field.
   *
   * @param column the legacy column it writes
   * @param yaml its value in the mapping file ({@code {from: code}}), or null when the column is not restored
   * @param restored what the round trip does to the column
   * @param notes why (empty when exact)
   */
  record Field(String column, String yaml, Restored restored, List<String> notes) {
  }

  /**
   * One reverse table.
   *
   * @param source the new system's table, {@code schema.table}
   * @param target the legacy table, {@code schema.table}
   * @param notes about the table as a whole (a forward filter)
   * @param review what must be settled before the table can be synced back (a key column that cannot be restored)
   */
  record Table(String source, String target, List<Field> fields, List<String> notes, List<String> review) {
  }

  /**
   * A lookup inverted: target code to legacy code.
   *
   * @param ambiguous target codes that several legacy codes map to, with those codes (the first was drafted)
   */
  record InverseLookup(String name, String of, Map<String, String> values, Map<String, List<String>> ambiguous) {
  }

  /** The draft: the reverse mapping, and what its round trip does to every legacy column. */
  public record Draft(String forwardFile, String version, List<InverseLookup> lookups, List<Table> tables) {

    /** Every legacy column the forward mapping's tables hold, with what the round trip does to it. */
    public List<Finding> findings() {
      final List<Finding> out = new ArrayList<>();
      for (final Table t : tables) {
        for (final Field f : t.fields()) {
          out.add(new Finding(t.target(), f.column(), f.restored(), String.join("; ", f.notes())));
        }
      }
      return out;
    }

    /** What the round trip does to whole rows, per legacy table: rows a forward filter leaves out. */
    public List<String> rowNotes() {
      final List<String> out = new ArrayList<>();
      tables.forEach(t -> t.notes().forEach(n -> out.add(t.target() + ": " + n)));
      return out;
    }

    /** What must be settled before the draft is used: key columns that cannot be restored, ambiguous lookups. */
    public List<String> review() {
      final List<String> out = new ArrayList<>();
      tables.forEach(t -> out.addAll(t.review()));
      for (final InverseLookup l : lookups) {
        l.ambiguous().forEach((code, legacy) -> out.add("lookup " + l.of() + ": " + code + " stands for "
            + legacy.size() + " legacy codes " + legacy + "; " + legacy.get(0) + " drafted"));
      }
      return out;
    }

    /** The reverse mapping file, with a comment on every field. */
    public String yaml() {
      return ReverseMappingYaml.render(this);
    }
  }

  /**
   * Drafts the reverse of {@code forward} (the file as written, {@code parsed} as loaded).
   *
   * @param newSchema the schema of the new system's tables where the forward mapping names them unqualified
   * @param catalog the legacy tables' columns ({@link LegacyCatalog#NONE} for a draft from the mapping alone)
   */
  public static Draft draft(final YamlNode forward, final Mapping parsed, final String newSchema,
      final LegacyCatalog catalog) {
    final Map<String, InverseLookup> inverses = new LinkedHashMap<>();
    for (final Lookup l : parsed.lookups().values()) {
      inverses.put(l.name(), invert(l));
    }
    final List<Table> tables = new ArrayList<>();
    for (final YamlNode t : forward.get("tables").items()) {
      tables.add(new TableDraft(t, inverses, catalog).table(newSchema));
    }
    final String version = forward.get("version").isScalar() ? forward.get("version").text() + "-reverse" : "reverse";
    return new Draft(forward.file(), version, new ArrayList<>(new TreeMap<>(inverses).values()), tables);
  }

  /**
   * What the round trip does to each legacy column with {@code reverse}, the reverse mapping in use (reviewed, maybe
   * edited): a column it does not write is not restored whatever the draft offered; a column it writes is as exact
   * or lossy as the forward steps make it; a column the forward mapping could not give back but the reverse one
   * writes (by an expression, a default) is said to be written by hand, which no check here can vouch for.
   */
  public static List<Finding> roundTrip(final Draft draft, final Mapping reverse) {
    final List<Finding> out = new ArrayList<>();
    for (final Finding f : draft.findings()) {
      final var table = reverse.tables().stream().filter(t -> t.targetTable().equals(f.legacyTable())).findFirst();
      if (table.isEmpty()) {
        out.add(new Finding(f.legacyTable(), f.column(), Restored.NOT_RESTORED, "the reverse mapping has no table "
            + "writing " + f.legacyTable()));
      } else if (table.get().columns().stream().noneMatch(c -> c.target().equals(f.column()))) {
        out.add(new Finding(f.legacyTable(), f.column(), Restored.NOT_RESTORED, "the reverse mapping does not write "
            + "it" + (f.restored() == Restored.NOT_RESTORED ? "; " + f.why() : "")));
      } else if (f.restored() == Restored.NOT_RESTORED) {
        out.add(new Finding(f.legacyTable(), f.column(), Restored.LOSSY, "written by the reverse mapping though the "
            + "forward one cannot give it back (" + f.why() + "): check by hand that it comes back"));
      } else {
        out.add(f);
      }
    }
    return out;
  }

  private static InverseLookup invert(final Lookup l) {
    final Map<String, TreeSet<String>> byTarget = new TreeMap<>();
    l.values().forEach((legacy, code) -> byTarget.computeIfAbsent(code, k -> new TreeSet<>()).add(legacy));
    final Map<String, String> values = new TreeMap<>();
    final Map<String, List<String>> ambiguous = new TreeMap<>();
    byTarget.forEach((code, legacy) -> {
      values.put(code, legacy.first());
      if (legacy.size() > 1) {
        ambiguous.put(code, List.copyOf(legacy));
      }
    });
    return new InverseLookup(l.name() + "-reverse", l.name(), values, ambiguous);
  }

  /** The mapping file's {@code type} for a legacy column, or null where as-is fits it best. */
  static String typeOf(final LegacyCatalog.Column c) {
    return switch (c.jdbcType()) {
      case Types.TINYINT, Types.SMALLINT, Types.INTEGER, Types.BIGINT -> "integer";
      case Types.NUMERIC, Types.DECIMAL -> "decimal";
      case Types.DATE -> "date";
      case Types.TIMESTAMP, Types.TIMESTAMP_WITH_TIMEZONE -> "timestamp";
      case Types.BOOLEAN, Types.BIT -> "boolean";
      case Types.CHAR, Types.VARCHAR, Types.LONGVARCHAR, Types.NCHAR, Types.NVARCHAR, Types.LONGNVARCHAR -> "text";
      default -> null;
    };
  }
}
