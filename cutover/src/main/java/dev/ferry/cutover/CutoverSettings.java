package dev.ferry.cutover;

import dev.ferry.config.Setting;
import java.util.List;

/** The cutover's own settings (the live direction's are {@link dev.ferry.schemas.LiveDirection}'s). */
public final class CutoverSettings {
  private CutoverSettings() {
  }

  public static final Setting<String> REVERSE_CONFIG = new Setting<>("cutover.reverse-config", "cutover",
      "The reverse direction's configuration file (new system to legacy: legacy.* names the new system's database, "
          + "target.* the legacy one, cutover.direction: reverse), relative to this file. Set in the forward "
          + "configuration; ferry cutover and ferry status read both. Empty: no reverse direction.", "", String::trim,
      "a file path, or empty");

  public static final List<Setting<?>> SETTINGS = List.of(REVERSE_CONFIG);
}
