package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code --help} after any command prints that command's usage and exits 0, before its required options are checked:
 * an operator asking {@code ferry connector --help} was told "Missing required option" and got exit code 2.
 */
class CommandHelpTest {
  @Test
  void everyCommandAnswersHelpWithItsUsage() {
    final CommandLine ferry = new CommandLine(new Ferry());
    for (final String name : ferry.getSubcommands().keySet()) {
      final StringWriter out = new StringWriter();
      final StringWriter err = new StringWriter();
      final CommandLine cl = new CommandLine(new Ferry());
      cl.setOut(new PrintWriter(out));
      cl.setErr(new PrintWriter(err));
      assertThat(cl.execute(name, "--help")).as(name + " --help exit code; stderr: " + err).isZero();
      assertThat(out.toString()).as(name).startsWith("Usage: ferry " + name + " ").contains("-h, --help");
    }
  }

  @Test
  void aMissingRequiredOptionIsStillAnError() {
    final StringWriter err = new StringWriter();
    final CommandLine cl = new CommandLine(new Ferry());
    cl.setErr(new PrintWriter(err));
    assertThat(cl.execute("connector")).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required option: '--config=<config>'");
  }
}
