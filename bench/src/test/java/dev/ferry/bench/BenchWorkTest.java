package dev.ferry.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchWorkTest {
  @TempDir
  Path tmp;

  @Test
  void theDataOfARunWhoseJvmIsGoneIsRemovedAndItsLogsAndReportsKept() throws Exception {
    final long gone = goneProcess();
    final Path killed = run("ferry-bench-snapshot-1", gone);
    final Path live = run("ferry-bench-pipeline-2", ProcessHandle.current().pid());
    final Path serverLeft = run("ferry-bench-sink-3", gone);
    // a PostgreSQL that outlived the killed JVM: its postmaster.pid names a live process (this JVM stands in for it)
    Files.writeString(serverLeft.resolve("stack/legacy/postmaster.pid"), ProcessHandle.current().pid() + "\n/x\n");
    final Path older = Files.createDirectories(tmp.resolve("ferry-bench-restart-4/stack"));
    final Path other = Files.createDirectories(tmp.resolve("not-a-bench/stack"));

    BenchWork.removeAbandoned(tmp);

    assertThat(killed.resolve("stack")).doesNotExist();
    assertThat(killed.resolve("report/reconcile.html")).exists();
    assertThat(killed.resolve("connector.log")).exists();
    assertThat(killed.resolve("bench.pid")).doesNotExist();
    assertThat(live.resolve("stack/legacy/base.dat")).exists();
    assertThat(serverLeft.resolve("stack/legacy/base.dat")).exists();
    assertThat(older).exists();
    assertThat(other).exists();
  }

  /** A run's directory as a benchmark leaves it: data of the stack, a report, a log, the JVM that owns it. */
  private Path run(final String name, final long owner) throws Exception {
    final Path run = Files.createDirectories(tmp.resolve(name));
    Files.createDirectories(run.resolve("stack/legacy"));
    Files.write(run.resolve("stack/legacy/base.dat"), new byte[4096]);
    Files.createDirectories(run.resolve("report"));
    Files.writeString(run.resolve("report/reconcile.html"), "<html/>");
    Files.writeString(run.resolve("connector.log"), "log");
    Files.writeString(run.resolve("bench.pid"), String.valueOf(owner));
    return run;
  }

  /** The pid of a process that has ended (started and waited for here). */
  private static long goneProcess() throws Exception {
    final Process p = new ProcessBuilder("true").start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return p.pid();
  }
}
