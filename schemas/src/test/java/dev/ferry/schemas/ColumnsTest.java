package dev.ferry.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class ColumnsTest {
  @Test
  void keyTextJoinsValuesInKeyOrder() {
    assertThat(Columns.keyText(List.of(Columns.of("order_id", 10248), Columns.of("product_id", 11))))
        .isEqualTo("10248|11");
    assertThat(Columns.keyText(List.of(Columns.of("id", "ALFKI")))).isEqualTo("ALFKI");
  }

  @Test
  void binaryKeysAreTheirHexSoThatDifferentKeysNeverShareAText() {
    final ByteBuffer a = ByteBuffer.wrap(new byte[] {0x01, (byte) 0xab});
    final ByteBuffer b = ByteBuffer.wrap(new byte[] {0x01, (byte) 0xac});
    assertThat(Columns.keyText(List.of(Columns.of("id", a)))).isEqualTo("01ab");
    assertThat(Columns.keyText(List.of(Columns.of("id", b), Columns.of("n", 1)))).isEqualTo("01ac|1");
    assertThat(a.position()).isZero();
  }

  @Test
  void differentKeysOfSeveralColumnsNeverShareAText() {
    final String left = Columns.keyText(List.of(Columns.of("a", "x|y"), Columns.of("b", "z")));
    final String right = Columns.keyText(List.of(Columns.of("a", "x"), Columns.of("b", "y|z")));
    assertThat(left).isEqualTo("x\\|y|z").isNotEqualTo(right);
    assertThat(right).isEqualTo("x|y\\|z");
    // a backslash is escaped too, so an escaped bar cannot be forged by a value ending in a backslash
    assertThat(Columns.keyText(List.of(Columns.of("a", "x\\"), Columns.of("b", "|z"))))
        .isEqualTo("x\\\\|\\|z")
        .isNotEqualTo(Columns.keyText(List.of(Columns.of("a", "x\\|"), Columns.of("b", "z"))));
    assertThat(Columns.keyText(List.of(Columns.of("id", "x|y")))).isEqualTo("x|y");
  }
}
