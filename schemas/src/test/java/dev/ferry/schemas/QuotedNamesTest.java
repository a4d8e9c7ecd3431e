package dev.ferry.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Legacy tables whose names PostgreSQL takes only quoted: a space, non-ASCII letters, mixed case. */
class QuotedNamesTest {
  @Test
  void aCdcTopicHoldsOnlyWhatKafkaTopicNamesMay() {
    assertThat(FerryTopics.cdcTopic("shop", "Sales.Order Details")).isEqualTo("shop.cdc.Sales.Order_Details");
    assertThat(FerryTopics.cdcTopic("shop", "verkauf.bestellungen_größe")).isEqualTo("shop.cdc.verkauf.bestellungen_gr__e");
    assertThat(FerryTopics.cdcTopic("shop", "public.order_lines")).as("plain names unchanged")
        .isEqualTo("shop.cdc.public.order_lines");
  }

  @Test
  void aRelationNamesTablesWithSpacesAndAnyLetters() {
    final Relation r = Relation.parse(" Sales.Order Details (OrderID, Line) -> Sales.Bestellungen_Größe(OrderID, Nr) ");
    assertThat(r.child()).isEqualTo("Sales.Order Details");
    assertThat(r.childColumns()).containsExactly("OrderID", "Line");
    assertThat(r.parent()).isEqualTo("Sales.Bestellungen_Größe");
    assertThat(r.parentColumns()).containsExactly("OrderID", "Nr");
    assertThat(Relation.parse("public.lines(order_id) -> public.orders(order_id)").child()).isEqualTo("public.lines");
    assertThatThrownBy(() -> Relation.parse("lines(order_id) -> public.orders(order_id)"))
        .as("a table without its schema").isInstanceOf(IllegalArgumentException.class);
    assertThat(List.of(r.toString())).containsExactly(
        "Sales.Order Details(OrderID,Line) -> Sales.Bestellungen_Größe(OrderID,Nr)");
  }
}
