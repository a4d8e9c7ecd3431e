package dev.ferry.processor.mapping;

import java.nio.file.Path;

/**
 * Settings that change how a mapping file is read.
 *
 * @param baseDir directory relative lookup files are read from
 * @param protectPii true applies the fields' {@code pii} declarations (non-production runs); false keeps real values
 * @param pseudonymKey key for {@code pii: pseudonymize}; may be empty when PII is kept
 */
public record MappingOptions(Path baseDir, boolean protectPii, String pseudonymKey) {
  public static MappingOptions defaults(final Path baseDir) {
    return new MappingOptions(baseDir, false, "");
  }
}
