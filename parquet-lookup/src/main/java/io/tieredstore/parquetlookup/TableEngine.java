package io.tieredstore.parquetlookup;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.tieredstore.core.ObjectChangedException;
import io.tieredstore.core.ObjectId;
import io.tieredstore.core.ObjectVersion;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/*
 * The lookup engine behind ParquetLookup: what outlives one call.
 *
 * Parts: the table's object list (fixed, or listed under a prefix and relisted by refresh()), the metadata cache
 * (MetadataCache: footers, chunk page maps, dictionaries, bloom filters), the decoded-page cache, the counters,
 * the executor, the MetadataLoader that parses metadata from the store, and the key ranges of the objects at
 * the versions last read (ObjectRanges). Each getAll runs a Lookup, which holds what that call loaded and has
 * one method per round; an object that changed while it was being read is invalidated and the call is run once
 * more, at the new version.
 *
 * Rounds: a batch of keys is answered in at most four rounds of parallel reads (ReadRound), each skipped when its
 * data is cached: (1) footers of every object; (2) per candidate row group, the key chunk's offset and column
 * indexes and the projected chunks' offset indexes (or, without a page index, the chunks' page headers, and for
 * the key the decoded pages themselves); (2b) bloom filters of row groups whose key pages are not ordered; (3) the
 * candidate key pages together with, when a key has at most PREFETCH_PAGES candidate pages and a key page is not
 * decoded yet, the projected pages covering that page's rows, and any dictionary not yet decoded; (4) projected
 * pages the prefetch did not cover. With metadata cached, a lookup therefore costs one round of origin reads:
 * round 3. The prefetch trades bytes for a round trip; when the key page is already decoded, the rows are known
 * at once and round 4 reads exactly the projected pages that hold them.
 *
 * Caches: metadata and decoded pages are two Caffeine caches bounded by weight. Keys hold the ObjectVersion, so a
 * changed object never meets another version's metadata.
 */
final class TableEngine implements AutoCloseable {
    /** The settings, as the builder resolved them. */
    final LookupConfig config;

    /** Caps on what one page may make a lookup allocate. */
    final PageDecoder.Limits limits;

    /** Reads and parses footers, chunk page maps, dictionaries and bloom filters. */
    final MetadataLoader loader;

    /** Parsed metadata, bounded by {@code maxMetadataBytes}. */
    final MetadataCache metadata;

    /** Decoded pages, bounded by {@code maxDecodedBytes}; null when that is 0. */
    final @Nullable Cache<Lookup.PageRef, PageRows> decoded;

    /** The counters behind {@link #stats()}. */
    final LookupCounters counters = new LookupCounters();

    private volatile @Nullable List<String> objects;
    private volatile @Nullable ObjectRanges ranges;

    /** An engine over the table {@code config} names; reads nothing yet. */
    TableEngine(LookupConfig config) {
        this.config = config;
        this.limits = config.limits();
        this.loader = new MetadataLoader(config);
        this.objects = config.objects();
        this.metadata = new MetadataCache(config.maxMetadataBytes(), config.executor());
        this.decoded = config.maxDecodedBytes() == 0
                ? null
                : Caffeine.newBuilder()
                        .maximumWeight(config.maxDecodedBytes())
                        .weigher((Lookup.PageRef k, PageRows v) -> PageDecoder.weight(v))
                        .executor(config.executor())
                        .build();
    }

    /** The projected columns' names. */
    List<String> columns() {
        return config.columns();
    }

    /** The table's objects as of the last listing (listing them now if never listed). */
    List<String> objects() {
        List<String> known = objects;
        return known != null ? known : refresh();
    }

    /** Lists the table's prefix again (a fixed list stays as it is) and returns the objects. */
    List<String> refresh() {
        S3Client lister = config.lister();
        String prefix = config.prefix();
        if (lister == null || prefix == null) {
            return Objects.requireNonNull(objects);
        }
        List<String> keys = new ArrayList<>();
        for (S3Object o : lister.listObjectsV2Paginator(ListObjectsV2Request.builder()
                        .bucket(config.bucket())
                        .prefix(prefix)
                        .build())
                .contents()) {
            if (o.key().endsWith(".parquet")) {
                keys.add(o.key());
            }
        }
        keys.sort(Comparator.naturalOrder());
        List<String> listed = List.copyOf(keys);
        objects = listed;
        return listed;
    }

    /** A snapshot of the counters. */
    LookupStats stats() {
        return counters.snapshot();
    }

    /** Drops the caches and closes the executor if it is the engine's own. */
    @Override
    public void close() {
        metadata.invalidateAll();
        if (decoded != null) {
            decoded.invalidateAll();
        }
        AutoCloseable owned = config.ownedExecutor();
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the lookup's executor failed", e);
            }
        }
    }

    /** Answers {@code keys}; an object that changed while being read is re-read once at its new version. */
    List<LookupResult> getAll(List<?> keys) {
        for (Object k : keys) {
            Objects.requireNonNull(k, "a key is null");
        }
        try {
            return new Lookup(this, keys).run();
        } catch (ObjectChangedException changed) {
            ObjectId id = changed.expected().id();
            config.store().invalidate(id.bucket(), id.key());
            return new Lookup(this, keys).run();
        }
    }

    /** The key ranges of {@code files} at {@code versions}, reused while the versions stay the same. */
    ObjectRanges ranges(ObjectVersion[] versions, FileMeta[] files) {
        ObjectRanges known = ranges;
        if (known != null && known.isOf(versions)) {
            return known;
        }
        ObjectRanges built = ObjectRanges.of(versions, files);
        ranges = built;
        return built;
    }
}
