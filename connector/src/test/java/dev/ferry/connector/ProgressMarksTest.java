package dev.ferry.connector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.schemas.ChangeOp;
import org.junit.jupiter.api.Test;

class ProgressMarksTest {

  @Test
  void marksAreDueOncePerStepOfSourceTimeAndOnlyOnceKafkaTookThem() {
    final ProgressMarks marks = new ProgressMarks();
    assertThat(marks.due(0)).as("a batch that streamed nothing (a snapshot's)").isEqualTo(-1);
    assertThat(marks.due(10_000)).as("the first streamed batch").isEqualTo(10_000);
    assertThat(marks.due(10_500)).as("not written yet (the batch aborted): due again").isEqualTo(10_500);
    marks.written(10_500);
    assertThat(marks.due(11_499)).isEqualTo(-1);
    assertThat(marks.due(11_500)).isEqualTo(11_500);
    marks.written(11_500);
    assertThat(marks.due(9_000)).as("an older commit time never moves a mark back").isEqualTo(-1);
  }

  @Test
  void aMarkCarriesItsTimeAndNothingOfARow() {
    final var mark = ProgressMarks.mark(12_345);
    assertThat(mark.getOp()).isEqualTo(ChangeOp.PROGRESS);
    assertThat(mark.getSource().getTsMs()).isEqualTo(12_345);
    assertThat(mark.getSource().getTxId()).isNull();
    assertThat(mark.getKey()).isEmpty();
    assertThat(mark.getAfter()).isNull();
  }
}
