package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.MapTier;
import io.tieredstore.core.TieredStore;
import io.tieredstore.s3.S3Origin;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.parquet.ParquetTable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The lookup's behaviour through its public API, against the generator's oracle. */
@ExtendWith(S3Extension.class)
class ParquetLookupTest {

    @Test
    void sortedTableOverSeveralObjectsAnswersEveryKindOfKey(S3Fixture s3) throws IOException {
        List<ParquetTable> tables = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int f = 0; f < 3; f++) {
            ParquetTable t = ParquetTable.builder()
                    .rows(5_000)
                    .keyType(ParquetTable.KeyType.INT64)
                    .pageRowLimit(200)
                    .seed(f)
                    .build();
            t.uploadTo(s3.s3(), s3.bucket(), "t/part-" + f + ".parquet");
            tables.add(t);
            keys.add("t/part-" + f + ".parquet");
        }
        List<String> columns = ParquetTable.defaultColumns().stream()
                .map(ParquetTable.Column::name)
                .toList();
        try (TieredStore store = store(s3);
                ParquetLookup lookup = ParquetLookup.builder()
                        .store(store)
                        .bucket(s3.bucket())
                        .objects(keys)
                        .keyColumn(ParquetTable.KEY_COLUMN)
                        .columns(columns)
                        .build()) {
            for (int f = 0; f < 3; f++) {
                ParquetTable t = tables.get(f);
                for (long row = 0; row < t.rows(); row += 37) {
                    Object key = t.key(row);
                    LookupResult r = lookup.get(key);
                    List<Row> expected = new ArrayList<>();
                    for (int g = 0; g < 3; g++) {
                        for (long x : tables.get(g).rowsForKey(key)) {
                            List<Object> values = new ArrayList<>();
                            for (String c : columns) {
                                values.add(tables.get(g).value(c, x));
                            }
                            expected.add(new Row(keys.get(g), x, values));
                        }
                    }
                    assertEquals(expected, r.rows(), "key " + key);
                }
            }
            assertTrue(lookup.get(tables.get(0).absentKeyAfter(-1)).isEmpty());
            LookupStats stats = lookup.stats();
            assertTrue(stats.pagesPruned() > 0, stats.toString());
        }
    }

    static TieredStore store(S3Fixture s3) {
        return TieredStore.builder()
                .origin(S3Origin.create(s3.s3()))
                .tier(new MapTier("map"))
                .pageSize(64 << 10)
                .defaultConsistency(ConsistencyPolicy.IMMUTABLE)
                .build();
    }
}
