package dev.ferry.reconcile;

import java.time.Duration;

/**
 * The changes a running sync still carries from the legacy database to the target. A reconciliation that runs beside
 * the sync marks where the legacy database stands before it reads a table, and before it looks again at a table
 * found different it waits until everything committed up to that mark has been applied: a row still on its way when
 * the table was first read is then in the target at the second look, however far behind the sync was. A fixed wait
 * alone reported every row of a backlog as unexplained (a sandbox: 918 rows of a sync one minute behind).
 */
public interface ChangesInFlight {
  /** For a reconciliation without a running sync to wait for (or one told not to wait). */
  ChangesInFlight NONE = new ChangesInFlight() {
    @Override
    public String mark() {
      return null;
    }

    @Override
    public boolean awaitApplied(final String mark, final Duration atMost) {
      return true;
    }
  };

  /** Where the legacy database's committed changes end now; null when there is nothing to wait for. */
  String mark() throws Exception;

  /**
   * Waits until every change the legacy database committed before {@code mark} has been applied to the target, for at
   * most {@code atMost}.
   *
   * @return whether it was; false when {@code atMost} passed first, or at once when no sync is running
   */
  boolean awaitApplied(String mark, Duration atMost) throws Exception;
}
