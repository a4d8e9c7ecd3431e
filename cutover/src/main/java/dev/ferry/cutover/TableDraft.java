package dev.ferry.cutover;

import dev.ferry.config.YamlNode;
import dev.ferry.cutover.ReverseMapping.Field;
import dev.ferry.cutover.ReverseMapping.InverseLookup;
import dev.ferry.cutover.ReverseMapping.Restored;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The reverse of one forward table mapping: for each legacy column the best way back the forward fields offer
 * (an exact one over a lossy one over none), then the legacy columns no field reads.
 */
final class TableDraft {
  private final YamlNode forward;
  private final Map<String, InverseLookup> inverses;
  private final Map<String, LegacyCatalog.Column> columns = new LinkedHashMap<>();
  private final Map<String, Field> best = new LinkedHashMap<>();
  /** Legacy column split by the forward mapping: its separator, and part name to the new field holding it. */
  private final Map<String, String> splitSeparators = new LinkedHashMap<>();
  private final Map<String, Map<String, String>> splitParts = new LinkedHashMap<>();

  TableDraft(final YamlNode forward, final Map<String, InverseLookup> inverses, final LegacyCatalog catalog) {
    this.forward = forward;
    this.inverses = inverses;
    catalog.columns(forward.get("source").text()).forEach(c -> columns.put(c.name(), c));
  }

  ReverseMapping.Table table(final String newSchema) {
    final String legacy = forward.get("source").text();
    final String target = forward.get("target").text();
    forward.get("fields").entries().forEach(this::field);
    splitParts.forEach(this::joinSplit);
    final List<Field> fields = new ArrayList<>();
    final List<String> review = new ArrayList<>();
    for (final LegacyCatalog.Column c : columns.values()) {
      final Field f = best.get(c.name());
      if (f != null) {
        fields.add(f);
      } else {
        fields.add(new Field(c.name(), null, Restored.NOT_RESTORED, List.of("the forward mapping does not read it: an "
            + "update from the new system leaves it as it is, an insert gives it its default"
            + (c.required() ? "; REVIEW: it is NOT NULL without a default, so a row inserted in the new system is "
            + "refused here until a field gives it a value" : ""))));
      }
      if (c.key() && (f == null || f.yaml() == null)) {
        review.add(legacy + "." + c.name() + " is part of the legacy key and cannot be restored: the reverse "
            + "cannot tell which legacy row a change is about");
      }
    }
    // an append-only table's position is the capture's, not a legacy column: nothing names a legacy row to write
    if (best.remove(dev.ferry.schemas.LegacyPosition.COLUMN) != null) {
      review.add(legacy + " is append-only (legacy.append-only): the new system keys its rows by their position in "
          + "the legacy log, which the legacy table does not hold, so no change can be written back into it; take it "
          + "out of the reverse mapping (rows the new system adds to " + target + " then stay there)");
    }
    best.values().stream().filter(f -> !columns.containsKey(f.column())).forEach(fields::add);
    final List<String> notes = new ArrayList<>();
    if (forward.get("filter").isScalar()) {
      notes.add("rows the forward filter (" + forward.get("filter").text() + ") left out are not in the new system; "
          + "the reverse leaves them as they are here");
    }
    return new ReverseMapping.Table(target.contains(".") ? target : newSchema + "." + target, legacy, fields, notes,
        review);
  }

  private void field(final String name, final YamlNode spec) {
    if (spec.isScalar()) {
      copied(name, spec.text(), spec);
      return;
    }
    if (spec.get("concat").isList()) {
      concat(name, spec);
    } else if (spec.get("split").isScalar()) {
      final String column = spec.get("split").text();
      splitSeparators.putIfAbsent(column, separator(spec));
      if (separator(spec).equals(splitSeparators.get(column))) {
        splitParts.computeIfAbsent(column, k -> new LinkedHashMap<>())
            .putIfAbsent(spec.get("part").isScalar() ? spec.get("part").text() : "first", name);
      }
    } else if (spec.get("expr").isScalar()) {
      final java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\brow\\.([A-Za-z_][A-Za-z0-9_]*)")
          .matcher(spec.get("expr").text());
      while (m.find()) {
        offer(new Field(m.group(1), null, Restored.NOT_RESTORED, List.of("the new field " + name + " is derived by "
            + "an expression (" + spec.get("expr").text() + "), which is not inverted; write its way back by hand")));
      }
    } else {
      copied(name, spec.get("from").isScalar() ? spec.get("from").text() : name, spec);
    }
  }

  /** A legacy column copied into new field {@code name}, through the steps of {@code spec}. */
  private void copied(final String name, final String column, final YamlNode spec) {
    final List<String> lossy = new ArrayList<>();
    final List<String> parts = new ArrayList<>(List.of("from: " + ReverseMappingYaml.name(name)));
    final LegacyCatalog.Column legacy = columns.get(column);
    if (bool(spec.get("trim"))) {
      lossy.add("trim: blanks around the legacy value are not restored");
    }
    if (bool(spec.get("empty-as-null"))) {
      lossy.add("empty-as-null: an empty legacy value comes back as NULL");
    }
    final String type = spec.get("type").isScalar() ? spec.get("type").text() : "as-is";
    switch (type) {
      case "decimal" -> {
        final int scale = Integer.parseInt(spec.get("scale").text());
        if (legacy == null || !(legacy.jdbcType() == Types.NUMERIC || legacy.jdbcType() == Types.DECIMAL)
            || legacy.scale() > scale) {
          lossy.add("decimal, scale " + scale + ": digits beyond " + scale + " were rounded ("
              + (spec.get("rounding").isScalar() ? spec.get("rounding").text() : "half-even") + ")");
        }
      }
      case "date" -> {
        if (legacy == null || legacy.jdbcType() != Types.DATE) {
          lossy.add("date: a legacy timestamp's time of day is not restored");
        }
      }
      case "timestamp" -> {
        final String zone = spec.get("zone").isScalar() ? spec.get("zone").text() : "UTC";
        if (!"UTC".equals(zone) && (legacy == null || legacy.jdbcType() != Types.TIMESTAMP_WITH_TIMEZONE)) {
          lossy.add("timestamp, zone " + zone + ": a legacy local time comes back as UTC");
        }
      }
      default -> {
      }
    }
    if (!"as-is".equals(type) && legacy != null && ReverseMapping.typeOf(legacy) != null) {
      parts.add("type: " + ReverseMapping.typeOf(legacy));
      if ("decimal".equals(ReverseMapping.typeOf(legacy))) {
        parts.add("scale: " + Math.max(0, legacy.scale()));
      }
    }
    if (spec.get("lookup").isScalar()) {
      final InverseLookup inverse = inverses.get(spec.get("lookup").text());
      parts.add("lookup: " + ReverseMappingYaml.name(inverse.name()));
      final String onMissing = spec.get("on-missing").isScalar() ? spec.get("on-missing").text() : "error";
      if ("null".equals(onMissing)) {
        lossy.add("lookup " + inverse.of() + ", on-missing null: a legacy code the lookup lacks came across as NULL");
      } else if ("keep".equals(onMissing)) {
        parts.add("on-missing: keep");
      }
      if (!inverse.ambiguous().isEmpty()) {
        lossy.add("lookup " + inverse.of() + ": " + inverse.ambiguous().keySet() + " each stand for several legacy "
            + "codes, and come back as the first");
      }
    }
    if (spec.get("default").isScalar()) {
      lossy.add("default " + spec.get("default").text() + ": a legacy NULL came across as "
          + spec.get("default").text() + " and comes back so");
    }
    final List<String> notes = new ArrayList<>(lossy);
    if (spec.get("pii").isScalar()) {
      notes.add("pii: " + spec.get("pii").text() + " (a copy made with processor.pii: protect holds protected values, "
          + "which do not come back)");
    }
    offer(new Field(column, "{" + String.join(", ", parts) + "}", lossy.isEmpty() ? Restored.EXACT : Restored.LOSSY,
        notes));
  }

  /** Columns concatenated into new field {@code name}: two come back by a split at the separator, more do not. */
  private void concat(final String name, final YamlNode spec) {
    final List<String> sources = spec.get("concat").items().stream().map(YamlNode::text).toList();
    final String sep = separator(spec);
    final String common = "concatenated into " + name + " with " + ReverseMappingYaml.quote(sep)
        + ": comes back as it was unless it holds the separator itself, is empty, or has blanks around it";
    for (int i = 0; i < sources.size(); i++) {
      final String part = i == 0 ? "first" : i == sources.size() - 1 ? (sources.size() == 2 ? "rest" : "last") : null;
      offer(part == null
          ? new Field(sources.get(i), null, Restored.NOT_RESTORED, List.of("concatenated into " + name + " between "
              + "other columns: only the first and the last part can be told apart"))
          : new Field(sources.get(i), "{split: " + ReverseMappingYaml.name(name) + ", separator: "
              + ReverseMappingYaml.quote(sep) + ", part: " + part + "}", Restored.LOSSY, List.of(common)));
    }
  }

  /** A legacy column the forward mapping split: first with rest, or all-but-last with last, join it again. */
  private void joinSplit(final String column, final Map<String, String> parts) {
    final String sep = splitSeparators.get(column);
    final String[] pair = parts.containsKey("first") && parts.containsKey("rest")
        ? new String[] {parts.get("first"), parts.get("rest")}
        : parts.containsKey("all-but-last") && parts.containsKey("last")
        ? new String[] {parts.get("all-but-last"), parts.get("last")} : null;
    if (pair == null) {
      offer(new Field(column, null, Restored.NOT_RESTORED, List.of("only its " + String.join(" and ", parts.keySet())
          + " part (split at " + ReverseMappingYaml.quote(sep) + ") is in the new system")));
      return;
    }
    offer(new Field(column, "{concat: [" + ReverseMappingYaml.name(pair[0]) + ", " + ReverseMappingYaml.name(pair[1])
        + "], separator: " + ReverseMappingYaml.quote(sep) + "}", Restored.LOSSY, List.of("split at "
        + ReverseMappingYaml.quote(sep) + " into " + pair[0] + " and " + pair[1] + ": comes back as it was unless it "
        + "had blanks around it or repeated separators")));
  }

  /** Keeps the better way back for a column: exact over lossy over none; the first of equals. */
  private void offer(final Field f) {
    best.merge(f.column(), f, (old, now) -> now.restored().ordinal() < old.restored().ordinal() ? now : old);
  }

  private static String separator(final YamlNode spec) {
    return spec.get("separator").isScalar() ? spec.get("separator").text() : " ";
  }

  private static boolean bool(final YamlNode n) {
    return n.isScalar() && "true".equals(n.text().toLowerCase(Locale.ROOT));
  }
}
