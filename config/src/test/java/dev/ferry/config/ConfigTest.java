package dev.ferry.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConfigTest {
  enum Mode { FAST, SAFE_AND_SLOW }

  static final Setting<String> URL = Setting.string("db.url", "db", null, "where");
  static final Setting<Integer> BATCH = Setting.integer("db.batch-size", "db", 100, 1, 1000, "how many");
  static final Setting<Duration> WAIT = Setting.duration("db.wait", "db", Duration.ofSeconds(5), Duration.ZERO, "w");
  static final Setting<Mode> MODE = Setting.option("db.mode", "db", Mode.FAST, Mode.class, "m");
  static final List<Setting<?>> ALL = List.of(URL, BATCH, WAIT, MODE);

  @Test
  void defaultsApplyAndValuesParse() {
    final Config c = Config.resolve(ConfigSource.fromYaml("db:\n  url: x\n  mode: safe-and-slow\n  wait: 250ms\n",
        "f.yaml"), ALL, List.of());
    assertThat(c.get(URL)).isEqualTo("x");
    assertThat(c.get(BATCH)).isEqualTo(100);
    assertThat(c.get(WAIT)).isEqualTo(Duration.ofMillis(250));
    assertThat(c.get(MODE)).isEqualTo(Mode.SAFE_AND_SLOW);
  }

  @Test
  void everyProblemIsReportedAtOnceWithFileLineKeyValueAndWhatIsAllowed() {
    final String yaml = "db:\n  batch-size: 0\n  mode: turbo\n  wiat: 5s\n";
    assertThatThrownBy(() -> Config.resolve(ConfigSource.fromYaml(yaml, "f.yaml"), ALL, List.of()))
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.problems()).extracting(ConfigProblem::toString).containsExactlyInAnyOrder(
              "db.url: required and not set (set it in the file or as FERRY_DB_URL); expected a non-empty text",
              "f.yaml:2: db.batch-size = '0': out of range; expected a whole number from 1 to 1000",
              "f.yaml:3: db.mode = 'turbo': not an allowed value; expected one of fast, safe-and-slow",
              "f.yaml:4: db.wiat = '5s': unknown key; did you mean 'db.wait'?");
        });
  }

  @Test
  void environmentWinsOverTheFile() {
    final ConfigSource source = ConfigSource.fromYaml("db:\n  url: file\n", "f.yaml")
        .withEnvironment(Map.of("FERRY_DB_URL", "env", "FERRY_DB_BATCH_SIZE", "7"), ALL);
    final Config c = Config.resolve(source, ALL, List.of());
    assertThat(c.get(URL)).isEqualTo("env");
    assertThat(c.get(BATCH)).isEqualTo(7);
  }

  @Test
  void keysOfRolesNotRunAreKnownButNotRequired() {
    final Config c = Config.resolve(ConfigSource.empty(), ALL, Set.of("db.url"), List.of());
    assertThat(c.get(BATCH)).isEqualTo(100);
  }

  @Test
  void passThroughPrefixesAreNotUnknown() {
    final Config c = Config.resolve(ConfigSource.fromYaml("db:\n  url: x\ndebezium:\n  foo: 1\n", "f"), ALL,
        List.of("debezium."));
    assertThat(c.get(URL)).isEqualTo("x");
  }

  @Test
  void durationsRoundTripThroughTheirShortestSpelling() {
    assertThat(Durations.format(Durations.parse("90s"))).isEqualTo("90s");
    assertThat(Durations.format(Durations.parse("120s"))).isEqualTo("2m");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThatThrownBy(() -> Durations.parse("soon")).isInstanceOf(IllegalArgumentException.class);
  }
}
