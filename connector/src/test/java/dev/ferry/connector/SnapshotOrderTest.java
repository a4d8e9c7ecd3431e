package dev.ferry.connector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.connector.SnapshotOrder.Edge;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotOrderTest {

  @Test
  void referencedTablesComeFirstAndTheUsersOrderIsKeptOtherwise() {
    final List<String> tables = List.of("public.order_details", "public.orders", "public.customers",
        "public.products", "public.categories");
    final List<Edge> fks = List.of(new Edge("public.order_details", "public.orders"),
        new Edge("public.order_details", "public.products"), new Edge("public.orders", "public.customers"),
        new Edge("public.products", "public.categories"), new Edge("public.orders", "public.employees"));
    assertThat(SnapshotOrder.sort(tables, fks)).containsExactly("public.customers", "public.orders",
        "public.categories", "public.products", "public.order_details");
  }

  @Test
  void aCycleKeepsTheUsersOrderAndSelfReferencesAreIgnored() {
    final List<String> tables = List.of("public.b", "public.a", "public.employees", "public.c");
    final List<Edge> fks = List.of(new Edge("public.a", "public.b"), new Edge("public.b", "public.a"),
        new Edge("public.employees", "public.employees"), new Edge("public.c", "public.a"));
    // employees references only itself, so it can go first; then the cycle, in the user's order; then c
    assertThat(SnapshotOrder.sort(tables, fks)).containsExactly("public.employees", "public.b", "public.a",
        "public.c");
  }

  @Test
  void noForeignKeysMeansTheUsersOrder() {
    assertThat(SnapshotOrder.sort(List.of("s.z", "s.y", "s.x"), List.of())).containsExactly("s.z", "s.y", "s.x");
  }
}
