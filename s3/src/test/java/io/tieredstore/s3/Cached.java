package io.tieredstore.s3;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.Tier;
import io.tieredstore.core.TieredStore;
import software.amazon.awssdk.services.s3.S3Client;

/** A caching client over a test's S3 client, with its origin and store; closing closes the store only. */
record Cached(S3Origin origin, TieredStore store, CachingS3Client client) implements AutoCloseable {
    /** A small page size, so that tests cross page boundaries with small objects. */
    static final int PAGE = 1024;

    /** Pages of {@link #PAGE} bytes in {@code tiers} (none: every read fills from S3). */
    static Cached over(S3Client s3, ConsistencyPolicy policy, Tier... tiers) {
        S3Origin origin = S3Origin.create(s3);
        TieredStore.Builder b =
                TieredStore.builder().origin(origin).pageSize(PAGE).defaultConsistency(policy);
        for (Tier t : tiers) {
            b.tier(t);
        }
        TieredStore store = b.build();
        return new Cached(origin, store, CachingS3Client.create(store, origin));
    }

    @Override
    public void close() {
        store.close();
    }
}
