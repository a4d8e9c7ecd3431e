package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's chromium, headless, as the browser tests of pages and reports use it: a fresh profile per run, nothing
 * fetched from the network but the page. A test using it skips, saying why, where chromium is not installed.
 */
final class HeadlessChromium {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private final Path work;

  private HeadlessChromium(final Path work) {
    this.work = work;
  }

  /** Chromium with its files under {@code work}; skips the test when chromium is not installed. */
  static HeadlessChromium in(final Path work) {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "chromium is not installed (apt-get install chromium); "
        + "the browser test cannot run here");
    return new HeadlessChromium(work);
  }

  /** What chromium printed (the DOM for --dump-dom) and logged (the console, errors). */
  record Run(String out, String log) {
  }

  /** The page's DOM as chromium built it, and a screenshot into {@code shot}; fails on a console error. */
  String render(final String url, final Path shot) throws Exception {
    final Run dom = run(List.of("--dump-dom", url));
    final Run screenshot = run(List.of("--screenshot=" + shot.toAbsolutePath(), "--window-size=1280,1600", url));
    assertThat(Files.size(shot)).as("screenshot of " + url + ": " + screenshot.log()).isGreaterThan(10_000);
    for (final String log : List.of(dom.log(), screenshot.log())) {
      assertThat(log).as("console of " + url).doesNotContain("Uncaught").doesNotContain(":CONSOLE(");
    }
    return dom.out();
  }

  Run run(final List<String> args) throws Exception {
    final List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox",
        "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-quic", "--enable-logging=stderr", "--v=0",
        "--user-data-dir=" + Files.createTempDirectory(work, "chromium-profile")));
    command.addAll(args);
    final Path out = Files.createTempFile(work, "chromium-", ".out");
    final Path log = Files.createTempFile(work, "chromium-", ".log");
    final Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(log.toFile()).start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish within 90 s: " + Files.readString(log));
    }
    return new Run(Files.readString(out), Files.readString(log));
  }
}
