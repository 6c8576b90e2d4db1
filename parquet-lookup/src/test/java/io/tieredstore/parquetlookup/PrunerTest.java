package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.parquet.format.FieldRepetitionType;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Type;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Candidates found by binary search (ordered ranges) or by a scan equal a brute-force check, for every key. */
class PrunerTest {
    private static final KeyDomain LONGS = KeyDomain.of("t", leaf());

    @ParameterizedTest
    @ValueSource(strings = {"ascending", "descending", "overlapping", "unordered", "gaps"})
    void candidates_equalBruteForce(String shape) {
        Random random = new Random(shape.hashCode());
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + random.nextInt(12);
            Object[] mins = new Object[n];
            Object[] maxs = new Object[n];
            boolean[] empty = new boolean[n];
            long at = random.nextInt(20) - 10L;
            for (int i = 0; i < n; i++) {
                long width = random.nextInt(5);
                long lo = switch (shape) {
                    case "ascending", "gaps" -> at;
                    case "descending" -> -at - width;
                    case "overlapping" -> at - random.nextInt(3);
                    default -> random.nextInt(40) - 20L;
                };
                mins[i] = lo;
                maxs[i] = lo + width;
                at += width + (shape.equals("gaps") ? 1 + random.nextInt(3) : random.nextInt(2));
                empty[i] = random.nextInt(10) == 0;
                if (shape.equals("gaps") && random.nextInt(8) == 0) {
                    mins[i] = null; // unknown statistics: always a candidate, and no binary search
                }
            }
            Pruner pruner = new Pruner(LONGS, mins, maxs, empty);
            for (long key = -40; key <= 80; key++) {
                assertArrayEquals(
                        brute(mins, maxs, empty, key),
                        pruner.candidates(key),
                        shape + " " + Arrays.toString(mins) + " " + Arrays.toString(maxs) + " key " + key);
            }
        }
    }

    private static int[] brute(Object[] mins, Object[] maxs, boolean[] empty, long key) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < mins.length; i++) {
            boolean aboveMin = mins[i] == null || (Long) mins[i] <= key;
            boolean belowMax = maxs[i] == null || key <= (Long) maxs[i];
            if (!empty[i] && aboveMin && belowMax) {
                out.add(i);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static Schema.Leaf leaf() {
        List<SchemaElement> elements = List.of(
                new SchemaElement("root").setNum_children(1),
                new SchemaElement("k").setType(Type.INT64).setRepetition_type(FieldRepetitionType.REQUIRED));
        Schema.Leaf leaf = Schema.parse("t", elements).leaf("k");
        if (leaf == null) {
            throw new AssertionError("no leaf k");
        }
        return leaf;
    }
}
