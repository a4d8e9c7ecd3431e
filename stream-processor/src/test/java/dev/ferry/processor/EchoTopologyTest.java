package dev.ferry.processor;

import static dev.ferry.processor.TopologyFixture.line;
import static dev.ferry.processor.TopologyFixture.order;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.processor.ordering.EchoMetrics;
import dev.ferry.schemas.ChangeOp;
import java.time.Duration;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A transaction Ferry's own sink wrote, captured back (its commit markers flagged as an echo), is dropped whole,
 * over two topics, and counted; the transactions before and after it pass as ever.
 */
class EchoTopologyTest {
  private final TopologyFixture f = new TopologyFixture(Duration.ofMinutes(10), 100_000, Duration.ofMinutes(5));

  @AfterEach
  void close() {
    f.close();
  }

  @Test
  void aTransactionTheSinkWroteIsDroppedWholeAndCounted() {
    f.send(order(ChangeOp.CREATE, 10250, 700, "771", 1L));
    f.commit("orders", "771", 800, 1);

    // the echo: an order and a line, markers on both topics, each flagged
    f.send(order(ChangeOp.UPDATE, 10250, 810, "772", 1L));
    f.send(line(ChangeOp.CREATE, 10250, 41, 5, 811, "772", 2L));
    f.commit("orders", "772", 820, 2, true);
    f.commit("order_details", "772", 820, 2, true);

    f.send(order(ChangeOp.UPDATE, 10250, 830, "773", 1L));
    f.commit("orders", "773", 840, 1);

    // versions from commit positions 800 and 840; nothing of 772, not its line either
    assertThat(f.applied()).satisfiesExactly(
        a -> assertThat(a).startsWith("sales_order 10250 UPSERT v1600"),
        a -> assertThat(a).startsWith("sales_order 10250 UPSERT v1680"));
    assertThat(f.deadLetters.isEmpty()).isTrue();
    assertThat(metric(EchoMetrics.TRANSACTIONS)).isEqualTo(1.0);
    assertThat(metric(EchoMetrics.CHANGES)).isEqualTo(2.0);
  }

  private double metric(final String name) {
    double total = 0;
    for (final var e : f.driver.metrics().entrySet()) {
      final MetricName n = e.getKey();
      if (n.group().equals(EchoMetrics.GROUP) && n.name().equals(name)) {
        total += ((Number) ((Metric) e.getValue()).metricValue()).doubleValue();
      }
    }
    return total;
  }
}
