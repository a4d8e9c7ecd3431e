package dev.ferry.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class DatabaseErrorsTest {
  @Test
  void connectionRestartDeadlockAndSerializationAreTransient() {
    assertThat(DatabaseErrors.isTransient(new SQLException("conn", "08006"))).isTrue();
    assertThat(DatabaseErrors.isTransient(new SQLException("shutdown", "57P01"))).isTrue();
    assertThat(DatabaseErrors.isTransient(new SQLException("deadlock", "40P01"))).isTrue();
    assertThat(DatabaseErrors.isTransient(new SQLException("serialization", "40001"))).isTrue();
  }

  @Test
  void constraintAndDataErrorsArePermanent() {
    assertThat(DatabaseErrors.isTransient(new SQLException("check", "23514"))).isFalse();
    assertThat(DatabaseErrors.isTransient(new SQLException("unique", "23505"))).isFalse();
    assertThat(DatabaseErrors.isTransient(new SQLException("bad number", "22P02"))).isFalse();
  }
}
