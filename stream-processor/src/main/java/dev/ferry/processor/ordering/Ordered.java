package dev.ferry.processor.ordering;

import dev.ferry.schemas.ChangeGroup;

/**
 * What header/detail ordering hands on ({@link HeaderDetailBuffer}): a group ready to map and apply, or an orphan,
 * a group whose header never came, for the dead-letter topic.
 */
public sealed interface Ordered permits Ordered.Ready, Ordered.Orphan {
  ChangeGroup group();

  /** A group in apply order, its header known (or it has none). */
  record Ready(ChangeGroup group) implements Ordered {
  }

  /** A group whose header did not arrive in time, with the reason. */
  record Orphan(ChangeGroup group, String reason) implements Ordered {
  }
}
