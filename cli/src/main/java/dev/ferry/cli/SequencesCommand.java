package dev.ferry.cli;

import dev.ferry.cutover.Sequences;
import dev.ferry.sink.SinkConfig;
import java.util.EnumSet;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry sequences}: the target's sequences moved past the values the sync wrote ({@link Sequences}), for a
 * one-time migration that ends without {@code ferry cutover} (which does it as its step 5): run it once the sync has
 * stopped and before the new system's application writes.
 */
@Command(name = "sequences", description = "Move the target's sequences (serial, identity and DEFAULT nextval "
    + "columns of the mapped tables) past the largest value the sync wrote, so that the new system's inserts do not "
    + "take a synced row's key. ferry cutover does this itself; run this at the end of a one-time migration, before "
    + "the new system's application writes. Exit 1 when one that must move could not be moved.")
final class SequencesCommand extends ServiceCommand {
  @Option(names = "--dry-run", description = "Say what would move, and move nothing.")
  boolean dryRun;

  @Override
  public Integer call() throws Exception {
    final FerryConfig c = FerryConfig.load(config, EnumSet.of(Role.PROCESSOR, Role.SINK));
    final SinkConfig sink = c.sink();
    if (!sink.jdbcUrl().startsWith("jdbc:postgresql:")) {
      System.out.println("the target is not PostgreSQL: AUTO_INCREMENT moved past every value written as it was "
          + "written; nothing to do");
      return 0;
    }
    final List<Sequences.Moved> found = Sequences.ofMapping(sink, c.processor().mapping(), "ferry-sequences",
        !dryRun);
    found.forEach(m -> System.out.println((m.failed() ? "FAIL " : dryRun && m.movedTo() != null ? "would move: "
        : "") + m.line()));
    final long moved = found.stream().filter(m -> m.movedTo() != null).count();
    System.out.println(found.isEmpty() ? "no column of the mapped tables takes its default from a sequence"
        : moved + " of " + found.size() + " sequence(s) " + (dryRun ? "would be moved" : "moved"));
    return found.stream().anyMatch(Sequences.Moved::failed) ? 1 : 0;
  }
}
