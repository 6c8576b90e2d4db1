package io.tieredstore.jmh;

import io.tieredstore.hashing.Member;
import io.tieredstore.hashing.MembershipView;
import io.tieredstore.hashing.Placement;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of finding a page group's owner: {@code owner} for a key already hashed, {@code keyAndOwner} with the
 * key hashed from an object version's name and a group index first, over 8, 64 and 128 members, weights all 1 or
 * mixed (1, 2, 4). Run: {@code java -jar jmh/target/benchmarks.jar PlacementBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@State(Scope.Thread)
public class PlacementBenchmark {
    /** The algorithm. */
    @Param({"rendezvous", "ring", "maglev"})
    public String kind;

    /** Members of the view. */
    @Param({"8", "64", "128"})
    public int members;

    /** Whether weights are all 1 ({@code equal}) or 1, 2 and 4 ({@code mixed}). */
    @Param({"equal", "mixed"})
    public String weights;

    private Placement placement;
    private long[] keys;
    private String[] versions;
    private int next;

    /** Builds the view and 4,096 keys. */
    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(1);
        List<Member> list = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            double w = weights.equals("equal") ? 1 : 1 << (i % 3);
            list.add(new Member(
                    "svc-" + Long.toString(random.nextLong() >>> 1, 36),
                    "10.0.0." + i + ":7070",
                    w,
                    Member.State.SERVING));
        }
        MembershipView view = new MembershipView(1, list);
        placement = switch (kind) {
            case "rendezvous" -> Placement.rendezvous(view);
            case "ring" -> Placement.ring(view, 1000);
            case "maglev" -> Placement.maglev(view, 65_537);
            default -> throw new IllegalArgumentException(kind);
        };
        keys = new long[4096];
        versions = new String[4096];
        for (int i = 0; i < keys.length; i++) {
            versions[i] = "bucket\0tables/t/part-" + random.nextLong() + ".parquet\0\""
                    + Long.toHexString(random.nextLong()) + "\"";
            keys[i] = Placement.key(versions[i], i & 15);
        }
    }

    /** The owner of a hashed key. */
    @Benchmark
    public Member owner() {
        next = (next + 1) & 4095;
        return placement.owner(keys[next]);
    }

    /** The key of a page group hashed, then its owner. */
    @Benchmark
    public Member keyAndOwner() {
        next = (next + 1) & 4095;
        return placement.owner(Placement.key(versions[next], next & 15));
    }
}
