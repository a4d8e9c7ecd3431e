package dev.ferry.cli.demo;

import dev.ferry.embedded.SqlScript;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/** The Northwind sample: the legacy dump (shipped in data/northwind), the new system's schema and the mapping. */
public final class Northwind {
  /** Legacy table -> target table, as the demo mapping has them. */
  public static final Map<String, String> TABLES = Map.of(
      "customers", "customer",
      "products", "product",
      "orders", "sales_order",
      "order_details", "sales_order_line");
  /** Captured legacy tables in dependency order (parents first). */
  public static final List<String> LEGACY_TABLES = List.of("customers", "products", "orders", "order_details");
  /** Order lines belong to their order: they share its partition and are applied with it. */
  public static final String RELATIONS = "public.order_details(order_id) -> public.orders(order_id)";
  /** The new system's tables, as the reverse direction captures them, and their header/detail relation. */
  public static final String NEW_TABLES = "public.customer,public.product,public.sales_order,public.sales_order_line";
  public static final String NEW_RELATIONS = "public.sales_order_line(order_id) -> public.sales_order(id)";

  private Northwind() {
  }

  /** Loads the legacy Northwind dump into {@code legacy}. */
  public static void loadLegacy(final Connection legacy) throws SQLException {
    SqlScript.of(resource("data/northwind/northwind.sql"), "northwind.sql").run(legacy, n -> { });
  }

  /** Creates the new system's tables in {@code target}. */
  public static void createTarget(final Connection target) throws SQLException {
    SqlScript.of(resource("northwind/target-schema.sql"), "target-schema.sql").run(target, n -> { });
  }

  /** The demo mapping file's text. */
  public static String mapping() {
    return resource("northwind/mapping.yaml");
  }

  /** A resource shipped with the demo, as text. */
  public static String resource(final String name) {
    try (InputStream in = Northwind.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("resource " + name + " missing from the Ferry build");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
