package example;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.TieredStore;
import io.tieredstore.hashing.Member;
import io.tieredstore.hashing.StaticMembership;
import io.tieredstore.pagestore.LocalPageStore;
import io.tieredstore.pagestore.MemoryTier;
import io.tieredstore.parquetlookup.LookupResult;
import io.tieredstore.parquetlookup.ParquetLookup;
import io.tieredstore.parquetlookup.Row;
import io.tieredstore.parquetlookup.proto.LookupResultMessage;
import io.tieredstore.peers.PeerTier;
import io.tieredstore.s3.CachingS3Client;
import io.tieredstore.s3.S3Origin;
import io.tieredstore.testfixtures.S3Endpoint;
import io.tieredstore.testfixtures.parquet.ParquetTable.Column;
import io.tieredstore.testfixtures.parquet.ParquetTable.ColumnType;
import io.tieredstore.testfixtures.parquet.ParquetTable;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The README's three quick starts, as a user's project runs them: the caching S3Client, Parquet point lookups,
 * and peers (two instances on loopback, the second reading pages from the first).
 * S3 is the test fixtures' in-process endpoint; every result is checked, and the last line says so.
 *
 * <p>The blocks between "README quick start" markers are the README's code, character for character
 * (samples/src/test/.../ReadmeQuickStartsTest checks it).
 */
public final class QuickStarts {
    private QuickStarts() {}

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("tieredstore-consumer");
        System.setProperty("tieredstore.s3mock.root", work.resolve("s3").toString());
        S3Client s3 = S3Endpoint.shared().directClient(); // stands in for the application's own client
        s3.createBucket(b -> b.bucket("lake"));
        ParquetTable table = ParquetTable.builder()
                .rows(100_000)
                .columns(
                        Column.required("country", ColumnType.STRING),
                        Column.required("plan", ColumnType.CATEGORY),
                        Column.nullable("score", ColumnType.DOUBLE, 0.1),
                        Column.required("updated_at", ColumnType.TIMESTAMP_MICROS))
                .build();
        table.uploadTo(s3, "lake", "tables/part-0.parquet");
        table.uploadTo(s3, "lake", "tables/users/part-0.parquet");
        Path cacheDir = work.resolve("cache");

        // README quick start: the caching S3Client
        S3Origin origin = S3Origin.create(s3);                           // s3: your S3Client, as configured today
        TieredStore store = TieredStore.builder()
                .origin(origin)
                .tier(MemoryTier.builder().capacity(1L << 30).build())   // 1 GiB off-heap, W-TinyLFU admission
                .tier(LocalPageStore.builder()                            // then up to 200 GiB on local NVMe
                        .directories(List.of(cacheDir))                   // e.g. Path.of("/mnt/nvme0/cache"); one per drive
                        .capacity(200L << 30)
                        .build())
                .consistency("lake", "tables/", ConsistencyPolicy.IMMUTABLE) // files there are written once
                .build();                                                // other keys: STRICT (one HEAD per read)
        S3Client cached = CachingS3Client.create(store, origin);

        byte[] footer = cached.getObjectAsBytes(b -> b.bucket("lake").key("tables/part-0.parquet").range("bytes=-65536"))
                .asByteArray();                                         // the second time: from memory, no S3 request
        System.out.println(store.stats());                              // hits, misses, writes, S3 requests and bytes, faults
        // end of README quick start

        byte[] direct = s3.getObjectAsBytes(b -> b.bucket("lake").key("tables/part-0.parquet").range("bytes=-65536"))
                .asByteArray();
        check(footer.length == 65536 && Arrays.equals(footer, direct), "the footer read through the cache");
        long requests = store.stats().originRequests();
        long hits = store.stats().tier("memory").hits();
        byte[] again = cached.getObjectAsBytes(b -> b.bucket("lake").key("tables/part-0.parquet").range("bytes=-65536"))
                .asByteArray();
        check(Arrays.equals(again, direct), "the footer read again");
        check(store.stats().originRequests() == requests, "the second read made an S3 request: " + store.stats());
        check(store.stats().tier("memory").hits() > hits, "the second read missed memory: " + store.stats());

        // README quick start: Parquet point lookups
        ParquetLookup users = ParquetLookup.builder()                    // close() it when done, before the store
                .store(store)                                            // IMMUTABLE for the prefix spares a HEAD per file
                .bucket("lake")
                .prefix(s3, "tables/users/")                             // every .parquet under it; refresh() re-lists
                .keyColumn("id")                                         // a flat int/long/string/date/timestamp/decimal
                .columns(List.of("country", "plan", "score", "updated_at"))
                .build();
        LookupResult r = users.get(42L);                                 // every row with id = 42, typed values
        List<LookupResult> many = users.getAll(List.of(1L, 2L, 3L));     // one set of reads for all keys
        byte[] wire = r.toProto().toByteArray();                         // compact protobuf form
        // end of README quick start

        check(r.rows().equals(expected(table, r.columns(), 42L)), "id 42: " + r.rows());
        for (int i = 0; i < many.size(); i++) {
            long key = i + 1;
            check(many.get(i).rows().equals(expected(table, many.get(i).columns(), key)), "id " + key);
        }
        check(LookupResult.fromProto(LookupResultMessage.parseFrom(wire)).equals(r), "the protobuf form");
        users.close();
        store.close();

        // two instances in this JVM, on loopback ports of their own; the quick start builds the first
        int port0 = freePort();
        int port1 = freePort();
        String cache0Address = "127.0.0.1:" + port0;
        String cache1Address = "127.0.0.1:" + port1;
        InetSocketAddress listenAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), port0);

        // README quick start: peers
        StaticMembership members = StaticMembership.of(                  // or ZooKeeperMembership, KubernetesMembership
                Member.serving("cache-0", cache0Address),                // stable ids; addresses "host:port"
                Member.serving("cache-1", cache1Address));
        PeerTier peers = PeerTier.builder()
                .membership(members)
                .self("cache-0")                                         // this instance's id
                .listen(listenAddress)                                   // e.g. new InetSocketAddress(7070)
                .plaintext()                                             // or .mutualTls(chain, key, trustedCas)
                .build();
        TieredStore peered = TieredStore.builder()
                .origin(S3Origin.create(s3))
                .tier(MemoryTier.builder().capacity(1L << 30).build())
                .peers(peers)                                            // after the local tiers; serves once built
                .build();
        // end of README quick start

        TieredStore other = TieredStore.builder()
                .origin(S3Origin.create(s3))
                .tier(MemoryTier.builder().capacity(1L << 30).build())
                .peers(PeerTier.builder()
                        .membership(StaticMembership.of(
                                Member.serving("cache-0", cache0Address), Member.serving("cache-1", cache1Address)))
                        .self("cache-1")
                        .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), port1))
                        .plaintext()
                        .build())
                .build();
        // each learns the version first (a cold GET that learns it reads S3 itself), then reads the first MiB
        String firstMiB = "bytes=0-1048575";
        byte[] expected = s3.getObjectAsBytes(b -> b.bucket("lake").key("tables/part-0.parquet").range(firstMiB))
                .asByteArray();
        for (TieredStore instance : List.of(peered, other)) {
            S3Client client = CachingS3Client.create(instance, S3Origin.create(s3));
            client.headObject(b -> b.bucket("lake").key("tables/part-0.parquet"));
            byte[] got = client.getObjectAsBytes(b -> b.bucket("lake").key("tables/part-0.parquet").range(firstMiB))
                    .asByteArray();
            check(Arrays.equals(expected, got), "the first MiB read through a peered instance");
        }
        long fromPeers = peers.stats().served();
        check(fromPeers > 0, "the second instance asked the first for none of its pages: " + peers.stats());
        other.close();
        peered.close();
        System.out.printf(
                "consumer: quick starts OK (footer %d bytes, second read from memory; id 42 -> %s; %d pages from a peer)%n",
                footer.length, r.rows().get(0).values(), fromPeers);
    }

    /** The rows the table holds for {@code key}: values of {@code columns}, in file order. */
    private static List<Row> expected(ParquetTable table, List<String> columns, long key) {
        List<Row> rows = new ArrayList<>();
        for (long row : table.rowsForKey(key)) {
            List<Object> values = new ArrayList<>();
            for (String c : columns) {
                values.add(table.value(c, row));
            }
            rows.add(new Row("tables/users/part-0.parquet", row, values));
        }
        return rows;
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("check failed: " + what);
        }
    }
}
