package dev.ferry.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.schemas.ConfluentRegistryClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

/**
 * Several clients registering the same new subject at the same moment all get one id, on the real
 * registry. Since session 29 the clients of one JVM register one at a time (a static lock in
 * {@code ConfluentRegistryClient.register}: concurrent first registrations broke Apicurio's in-memory H2), so here
 * the later ones find the id registered; the 409 Apicurio answers the losers of a race between processes is still
 * handled by the client, and no longer reached from one JVM.
 */
class RegistryRaceIT {
  @Test
  void concurrentFirstRegistrationsOfOneSubjectAgreeOnTheId() throws Exception {
    final EmbeddedStack stack = SharedStack.get();
    final Schema schema = SchemaBuilder.record("Race").namespace("dev.ferry.test").fields()
        .requiredLong("n").endRecord();
    for (int round = 0; round < 5; round++) {
      final String subject = "race-" + round + "-value";
      final Set<Integer> ids = ConcurrentHashMap.newKeySet();
      final List<Throwable> errors = new ArrayList<>();
      final CountDownLatch start = new CountDownLatch(1);
      final List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        final Thread t = new Thread(() -> {
          try {
            start.await();
            ids.add(new ConfluentRegistryClient(stack.registry().url()).register(subject, schema));
          } catch (Exception e) {
            synchronized (errors) {
              errors.add(e);
            }
          }
        });
        t.start();
        threads.add(t);
      }
      start.countDown();
      for (final Thread t : threads) {
        t.join(60_000);
      }
      assertThat(errors).isEmpty();
      assertThat(ids).hasSize(1);
    }
  }
}
