package dev.ferry.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RowBucketsTest {
  @TempDir
  Path dir;

  @Test
  void aRowComesBackFromTheBucketOfItsKeyWithNullsAbsentsAndValuesApart() throws Exception {
    try (RowBuckets buckets = new RowBuckets(dir, "legacy", 4)) {
      buckets.add("10248|11", new String[] {"14", null, RowBuckets.ABSENT, ""}, "public.order_details\t10248|11\t");
      buckets.add("10249|42", new String[] {"9.8", "x", "y", "z"}, "");
      buckets.finish();
      final List<RowBuckets.Row> rows = new ArrayList<>();
      for (int b = 0; b < buckets.buckets(); b++) {
        final int bucket = b;
        buckets.read(b, r -> {
          assertThat(RowBuckets.bucketOf(r.key(), 4)).isEqualTo(bucket);
          rows.add(r);
        });
      }
      assertThat(rows).hasSize(2);
      final RowBuckets.Row first = rows.stream().filter(r -> r.key().equals("10248|11")).findFirst().orElseThrow();
      assertThat(first.values()[0]).isEqualTo("14");
      assertThat(first.values()[1]).isNull();
      assertThat(first.values()[2]).isSameAs(RowBuckets.ABSENT);
      assertThat(first.values()[3]).isEmpty();
      assertThat(first.origin()).isEqualTo("public.order_details\t10248|11\t");
    }
    try (var files = Files.list(dir)) {
      assertThat(files.toList()).as("the bucket files are removed").isEmpty();
    }
  }
}
