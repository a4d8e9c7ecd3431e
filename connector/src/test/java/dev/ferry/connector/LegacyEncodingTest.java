package dev.ferry.connector;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LegacyEncodingTest {
  @Test
  void anEncodingPostgresqlConvertsIsNotWarnedAbout() {
    assertThat(LegacyEncoding.warning("UTF8", "db")).isNull();
    assertThat(LegacyEncoding.warning("LATIN1", "db")).isNull();
    assertThat(LegacyEncoding.warning("WIN1252", "db")).isNull();
  }

  @Test
  void sqlAsciiIsWarnedAboutWithWhatStopsTheCaptureAndWhatToDo() {
    assertThat(LegacyEncoding.warning("SQL_ASCII", "127.0.0.1:5432/erp"))
        .contains("127.0.0.1:5432/erp is SQL_ASCII")
        .contains("invalid byte sequence for encoding \"UTF8\"")
        .contains("WHERE column ~ '[\\x80-\\xff]'");
  }
}
