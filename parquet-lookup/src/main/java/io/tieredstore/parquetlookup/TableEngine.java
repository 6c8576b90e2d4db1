package io.tieredstore.parquetlookup;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.tieredstore.core.ObjectChangedException;
import io.tieredstore.core.ObjectId;
import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.TieredStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.apache.parquet.column.values.bloomfilter.BlockSplitBloomFilter;
import org.apache.parquet.format.BloomFilterAlgorithm;
import org.apache.parquet.format.BloomFilterCompression;
import org.apache.parquet.format.BloomFilterHash;
import org.apache.parquet.format.BloomFilterHeader;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnIndex;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.DataPageHeader;
import org.apache.parquet.format.DataPageHeaderV2;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.OffsetIndex;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.Util;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/*
 * The lookup engine behind ParquetLookup.
 *
 * Rounds: a batch of keys is answered in at most four rounds of parallel reads, each skipped when its data is
 * cached: (1) footers of every object; (2) per candidate row group, the key chunk's offset and column indexes and
 * the projected chunks' offset indexes (or, without a page index, the chunks' page headers, and for the key the
 * decoded pages themselves); (2b) bloom filters of row groups whose key pages are not ordered; (3) the candidate
 * key pages together with, when a key has at most PREFETCH_PAGES candidate pages and a key page is not decoded
 * yet, the projected pages covering that page's rows, and any dictionary not yet decoded; (4) projected pages
 * the prefetch did not cover. With metadata cached, a lookup therefore costs one round of origin reads: round 3.
 * The prefetch trades bytes for a round trip; when the key page is already decoded, the rows are known at once
 * and round 4 reads exactly the projected pages that hold them.
 *
 * Threads: the executor only ever runs reads from the store and parsing of what they return; nothing it runs
 * waits for another task, so a small or saturated executor slows lookups but cannot deadlock them. Pages are
 * decoded on the calling thread.
 *
 * Caches: metadata (footers, chunk page maps, dictionaries, bloom filters) and decoded pages are two
 * Caffeine caches bounded by weight. Each call also keeps what it loaded in its own maps, so a bound too small
 * for one call's working set costs re-reads on the next call, never a failure. Keys hold the ObjectVersion, so a
 * changed object never meets another version's metadata.
 */
final class TableEngine implements AutoCloseable {
    /** Above this many candidate key pages per row group, projected pages are read after the key pages. */
    static final int PREFETCH_PAGES = 2;

    private static final int TAIL_BYTES = 64 << 10;
    private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ENCRYPTED_MAGIC = "PARE".getBytes(StandardCharsets.US_ASCII);

    private record PageRef(ObjectVersion version, int rowGroup, int chunk, int page) {}

    /** One key in one row group of one object. */
    private record Task(int key, int file, int rowGroup, Object normalized) {}

    /** One matching row. */
    private record Match(int key, int file, int rowGroup, long row) {}

    private final TieredStore store;
    private final String bucket;
    private final @Nullable S3Client lister;
    private final @Nullable String prefix;
    private volatile @Nullable List<String> objects;
    private final String keyColumn;
    private final List<String> columns;
    private final int maxFooterBytes;
    private final PageDecoder.Limits limits;
    private final Executor executor;
    private final @Nullable AutoCloseable ownedExecutor;
    private final MetadataCache metadata;
    private final @Nullable Cache<PageRef, DecodedPage> decoded;

    private final LongAdder lookups = new LongAdder();
    private final LongAdder rowsReturned = new LongAdder();
    private final LongAdder objectsPruned = new LongAdder();
    private final LongAdder rowGroupsPruned = new LongAdder();
    private final LongAdder pagesPruned = new LongAdder();
    private final LongAdder bloomPrunes = new LongAdder();
    private final LongAdder pagesDecoded = new LongAdder();
    private final LongAdder decodedHits = new LongAdder();
    private final LongAdder metadataLoads = new LongAdder();
    private final LongAdder metadataHits = new LongAdder();
    private final LongAdder originRounds = new LongAdder();

    TableEngine(LookupConfig config) {
        this.store = config.store();
        this.bucket = config.bucket();
        this.objects = config.objects();
        this.lister = config.lister();
        this.prefix = config.prefix();
        this.keyColumn = config.keyColumn();
        this.columns = config.columns();
        this.maxFooterBytes = config.maxFooterBytes();
        this.limits = config.limits();
        this.executor = config.executor();
        this.ownedExecutor = config.ownedExecutor();
        long maxMetadataBytes = config.maxMetadataBytes();
        long maxDecodedBytes = config.maxDecodedBytes();
        this.metadata = new MetadataCache(maxMetadataBytes, executor);
        this.decoded = maxDecodedBytes == 0
                ? null
                : Caffeine.newBuilder()
                        .maximumWeight(maxDecodedBytes)
                        .weigher((PageRef k, DecodedPage v) -> v.weight)
                        .executor(executor)
                        .build();
    }

    List<String> columns() {
        return columns;
    }

    List<String> objects() {
        List<String> known = objects;
        return known != null ? known : refresh();
    }

    List<String> refresh() {
        if (lister == null || prefix == null) {
            return Objects.requireNonNull(objects);
        }
        List<String> keys = new ArrayList<>();
        for (S3Object o : lister.listObjectsV2Paginator(ListObjectsV2Request.builder()
                        .bucket(bucket)
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

    LookupStats stats() {
        return new LookupStats(
                lookups.sum(),
                rowsReturned.sum(),
                objectsPruned.sum(),
                rowGroupsPruned.sum(),
                pagesPruned.sum(),
                bloomPrunes.sum(),
                pagesDecoded.sum(),
                decodedHits.sum(),
                metadataLoads.sum(),
                metadataHits.sum(),
                originRounds.sum());
    }

    @Override
    public void close() {
        metadata.invalidateAll();
        if (decoded != null) {
            decoded.invalidateAll();
        }
        if (ownedExecutor != null) {
            try {
                ownedExecutor.close();
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
            return attempt(keys);
        } catch (ObjectChangedException changed) {
            ObjectId id = changed.expected().id();
            store.invalidate(id.bucket(), id.key());
            return attempt(keys);
        }
    }

    /** What one call loaded, kept until it returns whatever the caches evict meanwhile. */
    private static final class Call {
        final Map<MetaKey.Footer, FileMeta> files = new ConcurrentHashMap<>();
        final Map<MetaKey.Chunk, ChunkPages> chunks = new ConcurrentHashMap<>();
        final Map<PageRef, DecodedPage> pages = new ConcurrentHashMap<>();
        final Map<MetaKey.Dictionary, PageDecoder.Dict> dicts = new ConcurrentHashMap<>();
        final Map<MetaKey.Bloom, KeyBloom> blooms = new ConcurrentHashMap<>();
    }

    private List<LookupResult> attempt(List<?> keys) {
        List<String> names = objects();
        int fileCount = names.size();
        ObjectVersion[] versions = new ObjectVersion[fileCount];
        for (int f = 0; f < fileCount; f++) {
            versions[f] = store.open(bucket, names.get(f));
        }
        Call call = new Call();
        FileMeta[] files = files(call, names, versions);

        // prune objects and row groups
        Table table = table(versions, files);
        List<Task> tasks = new ArrayList<>();
        for (int q = 0; q < keys.size(); q++) {
            Object key = keys.get(q);
            int[] candidates = table.candidates(key);
            objectsPruned.add(fileCount - candidates.length);
            for (int f : candidates) {
                FileMeta m = files[f];
                Object nk = m.domain.normalize(key);
                if (nk == null) {
                    objectsPruned.increment();
                    continue;
                }
                if (m.min != null
                        && m.max != null
                        && m.statisticsUsable()
                        && (m.domain.compare(nk, m.min) < 0 || m.domain.compare(nk, m.max) > 0)) {
                    objectsPruned.increment();
                    continue;
                }
                int[] groups = m.statisticsUsable() ? m.rowGroupPruner.candidates(nk) : liveRowGroups(m);
                rowGroupsPruned.add(m.rowGroups.size() - groups.length);
                for (int rg : groups) {
                    tasks.add(new Task(q, f, rg, nk));
                }
            }
        }

        // round 2: chunk page maps of the key and projected columns
        Map<MetaKey.Chunk, Supplier<ChunkPages>> chunkLoads = new LinkedHashMap<>();
        for (Task t : tasks) {
            FileMeta m = files[t.file()];
            want(call, chunkLoads, m, t.rowGroup(), m.key, true);
            for (Schema.Leaf leaf : m.projection) {
                want(call, chunkLoads, m, t.rowGroup(), leaf, false);
            }
        }
        load(chunkLoads, call.chunks);

        // round 2b: bloom filters where key pages are not ordered
        Map<MetaKey.Bloom, Supplier<KeyBloom>> bloomLoads = new LinkedHashMap<>();
        for (Task t : tasks) {
            FileMeta m = files[t.file()];
            ChunkPages kc = chunk(call, m, t.rowGroup(), m.key);
            Pruner p = kc.pages;
            if ((p == null || !p.ordered()) && m.chunk(t.rowGroup(), m.key).isSetBloom_filter_offset()) {
                MetaKey.Bloom ref = new MetaKey.Bloom(m.version, t.rowGroup());
                if (!call.blooms.containsKey(ref) && !bloomLoads.containsKey(ref)) {
                    KeyBloom cached = cachedMetadata(ref);
                    if (cached != null) {
                        call.blooms.put(ref, cached);
                    } else {
                        bloomLoads.put(ref, () -> loadBloom(m, t.rowGroup()));
                    }
                }
            }
        }
        load(bloomLoads, call.blooms);

        // round 3: candidate key pages, and the projected pages of the same rows
        Map<Task, int[]> keyPages = new HashMap<>();
        Set<PageRef> wanted = new LinkedHashSet<>();
        for (Task t : tasks) {
            FileMeta m = files[t.file()];
            KeyBloom bloom = call.blooms.get(new MetaKey.Bloom(m.version, t.rowGroup()));
            BlockSplitBloomFilter filter = bloom == null ? null : bloom.filter();
            if (filter != null) {
                Long hash = m.domain.bloomHash(filter, t.normalized());
                if (hash != null && !filter.findHash(hash)) {
                    bloomPrunes.increment();
                    rowGroupsPruned.increment();
                    keyPages.put(t, new int[0]);
                    continue;
                }
            }
            ChunkPages kc = chunk(call, m, t.rowGroup(), m.key);
            Pruner p = kc.pages;
            int[] candidates = p != null && m.statisticsUsable() ? p.candidates(t.normalized()) : all(kc);
            pagesPruned.add(kc.count() - candidates.length);
            keyPages.put(t, candidates);
            for (int page : candidates) {
                PageRef keyPage = new PageRef(m.version, t.rowGroup(), m.key.chunk(), page);
                wanted.add(keyPage);
                // prefetch only to save a round trip: a key page already decoded tells us the rows at once
                if (candidates.length <= PREFETCH_PAGES && !decodedAlready(call, keyPage)) {
                    long from = kc.firstRow[page];
                    long to = from + kc.rowsOf(page);
                    if (to > from) {
                        for (Schema.Leaf leaf : m.projection) {
                            ChunkPages pc = chunk(call, m, t.rowGroup(), leaf);
                            int[] range = pc.pagesOf(from, to);
                            for (int pp = range[0]; pp <= range[1]; pp++) {
                                wanted.add(new PageRef(m.version, t.rowGroup(), leaf.chunk(), pp));
                            }
                        }
                    }
                }
            }
        }
        fetchPages(call, files, versions, wanted);

        // find the rows
        List<Match> matches = new ArrayList<>();
        for (Task t : tasks) {
            FileMeta m = files[t.file()];
            for (int page : Objects.requireNonNull(keyPages.get(t))) {
                DecodedPage kp = Objects.requireNonNull(
                        call.pages.get(new PageRef(m.version, t.rowGroup(), m.key.chunk(), page)));
                for (int i : m.domain.rowsOf(t.normalized(), kp)) {
                    matches.add(new Match(t.key(), t.file(), t.rowGroup(), kp.firstRow + i));
                }
            }
        }

        // round 4: projected pages not prefetched
        Set<PageRef> missing = new LinkedHashSet<>();
        for (Match x : matches) {
            FileMeta m = files[x.file()];
            for (Schema.Leaf leaf : m.projection) {
                PageRef ref = new PageRef(
                        m.version,
                        x.rowGroup(),
                        leaf.chunk(),
                        chunk(call, m, x.rowGroup(), leaf).pageOf(x.row()));
                if (!call.pages.containsKey(ref)) {
                    missing.add(ref);
                }
            }
        }
        fetchPages(call, files, versions, missing);

        // assemble, in table order
        matches.sort(Comparator.comparingInt(Match::key)
                .thenComparingInt(Match::file)
                .thenComparingLong(x -> files[x.file()].firstRow[x.rowGroup()] + x.row()));
        List<List<Row>> rows = new ArrayList<>(keys.size());
        for (int q = 0; q < keys.size(); q++) {
            rows.add(new ArrayList<>());
        }
        for (Match x : matches) {
            FileMeta m = files[x.file()];
            List<@Nullable Object> values = new ArrayList<>(m.projection.length);
            for (Schema.Leaf leaf : m.projection) {
                ChunkPages pc = chunk(call, m, x.rowGroup(), leaf);
                DecodedPage page = Objects.requireNonNull(
                        call.pages.get(new PageRef(m.version, x.rowGroup(), leaf.chunk(), pc.pageOf(x.row()))));
                int i = (int) (x.row() - page.firstRow);
                if (i < 0 || i >= page.rows) {
                    throw new CorruptParquetException(
                            m.object, "column " + leaf.name() + " has no value for row " + x.row());
                }
                values.add(Values.of(m.object, leaf, page, i));
            }
            rows.get(x.key()).add(new Row(names.get(x.file()), m.firstRow[x.rowGroup()] + x.row(), values));
        }
        List<LookupResult> out = new ArrayList<>(keys.size());
        for (int q = 0; q < keys.size(); q++) {
            out.add(new LookupResult(keys.get(q), columns, rows.get(q)));
            rowsReturned.add(rows.get(q).size());
        }
        lookups.add(keys.size());
        return out;
    }

    /**
     * The objects of one listing at the versions read, with a pruner over their key ranges when every object
     * has the same key type and usable statistics: then objects ordered by key (as partitioned or sorted
     * writes produce) are found by binary search, and others by one comparison each.
     */
    private static final class Table {
        private final ObjectVersion[] versions;
        private final @Nullable KeyDomain domain;
        private final @Nullable Pruner pruner;

        Table(ObjectVersion[] versions, @Nullable KeyDomain domain, @Nullable Pruner pruner) {
            this.versions = versions;
            this.domain = domain;
            this.pruner = pruner;
        }

        boolean isOf(ObjectVersion[] current) {
            return Arrays.equals(versions, current);
        }

        int[] candidates(Object key) {
            int n = versions.length;
            Object nk = domain == null ? null : domain.normalize(key);
            if (pruner == null || nk == null) {
                int[] all = new int[n];
                for (int f = 0; f < n; f++) {
                    all[f] = f;
                }
                return all;
            }
            return pruner.candidates(nk);
        }
    }

    private volatile @Nullable Table table;

    private Table table(ObjectVersion[] versions, FileMeta[] files) {
        Table known = table;
        if (known != null && known.isOf(versions)) {
            return known;
        }
        KeyDomain domain = files.length == 0 ? null : files[0].domain;
        boolean same = domain != null;
        for (FileMeta m : files) {
            same &= m.statisticsUsable() && sameKeyType(m.key, files[0].key);
        }
        Pruner pruner = null;
        if (same) {
            @Nullable Object[] mins = new Object[files.length];
            @Nullable Object[] maxs = new Object[files.length];
            boolean[] empty = new boolean[files.length];
            for (int f = 0; f < files.length; f++) {
                mins[f] = files[f].min;
                maxs[f] = files[f].max;
                empty[f] = files[f].rowGroupPruner.live() == 0;
            }
            pruner = new Pruner(Objects.requireNonNull(domain), mins, maxs, empty);
        }
        Table built = new Table(versions.clone(), same ? domain : null, pruner);
        table = built;
        return built;
    }

    private static boolean sameKeyType(Schema.Leaf a, Schema.Leaf b) {
        return a.type() == b.type()
                && a.kind() == b.kind()
                && a.unsigned() == b.unsigned()
                && a.scale() == b.scale()
                && a.utc() == b.utc()
                && a.descriptor().getPrimitiveType().getTypeLength()
                        == b.descriptor().getPrimitiveType().getTypeLength();
    }

    private static int[] liveRowGroups(FileMeta m) {
        int n = m.rowGroups.size();
        int[] all = new int[n];
        int count = 0;
        for (int g = 0; g < n; g++) {
            if (m.rows(g) > 0) {
                all[count++] = g;
            }
        }
        return Arrays.copyOf(all, count);
    }

    private static int[] all(ChunkPages c) {
        int[] all = new int[c.count()];
        for (int p = 0; p < all.length; p++) {
            all[p] = p;
        }
        return all;
    }

    /* -------------------- metadata -------------------- */

    private FileMeta[] files(Call call, List<String> names, ObjectVersion[] versions) {
        FileMeta[] files = new FileMeta[versions.length];
        Map<MetaKey.Footer, Supplier<FileMeta>> loads = new LinkedHashMap<>();
        for (int f = 0; f < versions.length; f++) {
            ObjectVersion v = versions[f];
            MetaKey.Footer ref = new MetaKey.Footer(v);
            FileMeta cached = cachedMetadata(ref);
            if (cached != null) {
                call.files.put(ref, cached);
            } else {
                String name = names.get(f);
                loads.put(ref, () -> loadFooter(v, name));
            }
        }
        load(loads, call.files);
        for (int f = 0; f < versions.length; f++) {
            files[f] = Objects.requireNonNull(call.files.get(new MetaKey.Footer(versions[f])));
        }
        return files;
    }

    private <V extends Weighted> @Nullable V cachedMetadata(MetaKey<V> key) {
        V w = metadata.getIfPresent(key);
        if (w != null) {
            metadataHits.increment();
        }
        return w;
    }

    /** Runs {@code loads} in parallel, then caches and records every result. */
    private <K extends MetaKey<V>, V extends Weighted> void load(Map<K, Supplier<V>> loads, Map<K, V> into) {
        List<K> keys = new ArrayList<>(loads.keySet());
        List<Supplier<V>> work = new ArrayList<>(loads.values());
        List<V> results = round(work);
        for (int i = 0; i < keys.size(); i++) {
            V v = results.get(i);
            metadata.put(keys.get(i), v);
            into.put(keys.get(i), v);
            metadataLoads.increment();
        }
    }

    private void want(
            Call call,
            Map<MetaKey.Chunk, Supplier<ChunkPages>> loads,
            FileMeta m,
            int rg,
            Schema.Leaf leaf,
            boolean key) {
        MetaKey.Chunk ref = new MetaKey.Chunk(m.version, rg, leaf.chunk());
        if (call.chunks.containsKey(ref) || loads.containsKey(ref)) {
            return;
        }
        ChunkPages cached = cachedMetadata(ref);
        if (cached != null) {
            call.chunks.put(ref, cached);
        } else {
            loads.put(ref, () -> loadChunk(call, m, rg, leaf, key));
        }
    }

    private ChunkPages chunk(Call call, FileMeta m, int rg, Schema.Leaf leaf) {
        return Objects.requireNonNull(call.chunks.get(new MetaKey.Chunk(m.version, rg, leaf.chunk())));
    }

    private FileMeta loadFooter(ObjectVersion v, String name) {
        String object = bucket + "/" + name;
        long length = v.length();
        if (length < 12) {
            throw new CorruptParquetException(object, "too short to be Parquet (" + length + " bytes)");
        }
        int tailLength = (int) Math.min(length, TAIL_BYTES);
        byte[] tail = read(object, v, length - tailLength, tailLength);
        byte[] magic = Arrays.copyOfRange(tail, tailLength - 4, tailLength);
        if (Arrays.equals(magic, ENCRYPTED_MAGIC)) {
            throw new UnsupportedParquetException(object, "encrypted footers are not supported");
        }
        if (!Arrays.equals(magic, MAGIC)) {
            throw new CorruptParquetException(object, "no PAR1 magic at the end");
        }
        int footerLength = ByteBuffer.wrap(tail, tailLength - 8, 4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .getInt();
        if (footerLength <= 0 || footerLength > length - 12) {
            throw new CorruptParquetException(
                    object, "footer length " + footerLength + " does not fit " + length + " bytes");
        }
        if (footerLength > maxFooterBytes) {
            throw new CorruptParquetException(
                    object, "footer of " + footerLength + " bytes exceeds the cap of " + maxFooterBytes);
        }
        ByteArrayInputStream in = footerLength + 8 <= tailLength
                ? new ByteArrayInputStream(tail, tailLength - 8 - footerLength, footerLength)
                : new ByteArrayInputStream(read(object, v, length - 8 - footerLength, footerLength));
        FileMetaData footer;
        try {
            footer = Util.readFileMetaData(in);
        } catch (IOException | RuntimeException e) {
            throw new CorruptParquetException(object, "unreadable footer: " + e.getMessage(), e);
        }
        try {
            return FileMeta.of(v, object, footer, footerLength, keyColumn, columns);
        } catch (CorruptParquetException | UnsupportedParquetException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CorruptParquetException(object, "inconsistent footer: " + e, e);
        }
    }

    private ChunkPages loadChunk(Call call, FileMeta m, int rg, Schema.Leaf leaf, boolean key) {
        ColumnChunk cc = m.columnChunk(rg, leaf);
        ColumnMetaData md = m.chunk(rg, leaf);
        CompressionCodec codec = Objects.requireNonNull(md.getCodec()); // FileMeta checked every chunk has one
        if (!Codecs.supported(codec)) {
            throw new UnsupportedParquetException(
                    m.object, "codec " + codec + " of column " + leaf.name() + " is not supported");
        }
        long start = md.getData_page_offset();
        if (md.isSetDictionary_page_offset()
                && md.getDictionary_page_offset() > 0
                && md.getDictionary_page_offset() < start) {
            start = md.getDictionary_page_offset();
        }
        long end = start + md.getTotal_compressed_size();
        if (end > m.version.length()) {
            throw new CorruptParquetException(m.object, "column chunk of " + leaf.name() + " overruns the object");
        }
        try {
            if (cc.isSetOffset_index_offset() && cc.isSetOffset_index_length()) {
                OffsetIndex offsets = Util.readOffsetIndex(
                        new ByteArrayInputStream(index(m, cc.getOffset_index_offset(), cc.getOffset_index_length())));
                ColumnIndex pages = null;
                if (key && m.statisticsUsable() && cc.isSetColumn_index_offset() && cc.isSetColumn_index_length()) {
                    pages = Util.readColumnIndex(new ByteArrayInputStream(
                            index(m, cc.getColumn_index_offset(), cc.getColumn_index_length())));
                }
                return ChunkPages.fromIndex(
                        m.object,
                        codec,
                        offsets,
                        pages,
                        key ? m.domain : null,
                        leaf.maxDefinition() > 0,
                        start,
                        end,
                        m.rows(rg));
            }
        } catch (IOException e) {
            throw new CorruptParquetException(
                    m.object, "unreadable page index of " + leaf.name() + ": " + e.getMessage(), e);
        }
        return walk(call, m, rg, leaf, key, start, end);
    }

    private byte[] index(FileMeta m, long offset, int length) {
        if (length < 0 || length > maxFooterBytes) {
            throw new CorruptParquetException(
                    m.object, "page index of " + length + " bytes exceeds the cap of " + maxFooterBytes);
        }
        return read(m.object, m.version, offset, length);
    }

    /**
     * Builds a chunk's page map from its page headers, for files without an offset index; for the key column
     * it also decodes every page (keeping them as decoded pages) to learn each page's min and max.
     */
    private ChunkPages walk(Call call, FileMeta m, int rg, Schema.Leaf leaf, boolean key, long start, long end) {
        if (end - start > Integer.MAX_VALUE - 64) {
            throw new UnsupportedParquetException(
                    m.object, "column chunk of " + leaf.name() + " larger than 2 GiB without an offset index");
        }
        byte[] chunk = read(m.object, m.version, start, (int) (end - start));
        List<long[]> pages = new ArrayList<>(); // {offset in chunk, size, first row}
        long dictionaryAt = -1;
        int dictionarySize = 0;
        long row = 0;
        int pos = 0;
        while (pos < chunk.length) {
            PageDecoder.Header h = PageDecoder.header(m.object, chunk, pos, chunk.length - pos);
            PageHeader ph = h.header();
            long size = (long) (h.bodyOffset() - pos) + ph.getCompressed_page_size();
            if (ph.getCompressed_page_size() < 0 || size > chunk.length - pos) {
                throw new CorruptParquetException(
                        m.object, "page of " + leaf.name() + " at " + (start + pos) + " overruns its chunk");
            }
            if (ph.getType() == PageType.DICTIONARY_PAGE) {
                if (!pages.isEmpty() || dictionaryAt >= 0) {
                    throw new CorruptParquetException(
                            m.object, "dictionary page of " + leaf.name() + " after the first page");
                }
                dictionaryAt = pos;
                dictionarySize = (int) size;
            } else if (ph.getType() == PageType.DATA_PAGE || ph.getType() == PageType.DATA_PAGE_V2) {
                DataPageHeader v1 = ph.getData_page_header();
                DataPageHeaderV2 v2 = ph.getData_page_header_v2();
                long rows = ph.getType() == PageType.DATA_PAGE
                        ? (v1 != null ? v1.getNum_values() : -1)
                        : (v2 != null ? v2.getNum_rows() : -1);
                if (rows < 0) {
                    throw new CorruptParquetException(m.object, "data page of " + leaf.name() + " without a row count");
                }
                pages.add(new long[] {pos, size, row});
                row += rows;
            }
            pos += (int) size;
        }
        if (row != m.rows(rg)) {
            throw new CorruptParquetException(
                    m.object,
                    "pages of " + leaf.name() + " hold " + row + " rows, row group " + rg + " has " + m.rows(rg));
        }
        int n = pages.size();
        long[] offset = new long[n];
        int[] size = new int[n];
        long[] first = new long[n];
        for (int p = 0; p < n; p++) {
            offset[p] = start + pages.get(p)[0];
            size[p] = (int) pages.get(p)[1];
            first[p] = pages.get(p)[2];
        }
        CompressionCodec codec = Objects.requireNonNull(m.chunk(rg, leaf).getCodec()); // checked by FileMeta
        Pruner pruner = null;
        if (key) {
            PageDecoder.Dict dict = null;
            if (dictionaryAt >= 0) {
                byte[] d = Arrays.copyOfRange(chunk, (int) dictionaryAt, (int) dictionaryAt + dictionarySize);
                dict = PageDecoder.dictionary(m.object, leaf, codec, d, limits);
                keep(call, new MetaKey.Dictionary(m.version, rg, leaf.chunk()), dict);
            }
            Object[] mins = new Object[n];
            Object[] maxs = new Object[n];
            boolean[] empty = new boolean[n];
            for (int p = 0; p < n; p++) {
                byte[] b = Arrays.copyOfRange(chunk, (int) (offset[p] - start), (int) (offset[p] - start) + size[p]);
                long rows = (p + 1 < n ? first[p + 1] : m.rows(rg)) - first[p];
                DecodedPage page = PageDecoder.data(m.object, leaf, codec, b, dict, first[p], (int) rows, limits);
                pagesDecoded.increment();
                keep(call, new PageRef(m.version, rg, leaf.chunk(), p), page);
                empty[p] = true;
                for (int i = 0; i < page.rows; i++) {
                    if (page.isNull(i)) {
                        continue;
                    }
                    Object v = m.domain.value(page, i);
                    if (empty[p] || m.domain.compare(v, Objects.requireNonNull(mins[p])) < 0) {
                        mins[p] = v;
                    }
                    if (empty[p] || m.domain.compare(v, Objects.requireNonNull(maxs[p])) > 0) {
                        maxs[p] = v;
                    }
                    empty[p] = false;
                }
            }
            pruner = new Pruner(m.domain, mins, maxs, empty);
        }
        return new ChunkPages(
                codec,
                offset,
                size,
                first,
                m.rows(rg),
                dictionaryAt < 0 ? -1 : start + dictionaryAt,
                dictionarySize,
                pruner);
    }

    private KeyBloom loadBloom(FileMeta m, int rg) {
        ColumnMetaData md = m.chunk(rg, m.key);
        long offset = md.getBloom_filter_offset();
        long length = m.version.length();
        if (offset < 0 || offset >= length) {
            throw new CorruptParquetException(m.object, "bloom filter at " + offset + " lies outside the object");
        }
        int headerBytes = (int) Math.min(
                length - offset, md.isSetBloom_filter_length() ? Math.max(0, md.getBloom_filter_length()) : 64);
        byte[] head = read(m.object, m.version, offset, Math.min(headerBytes, 64));
        ByteArrayInputStream in = new ByteArrayInputStream(head);
        BloomFilterHeader header;
        try {
            header = Util.readBloomFilterHeader(in);
        } catch (IOException | RuntimeException e) {
            throw new CorruptParquetException(m.object, "unreadable bloom filter header: " + e.getMessage(), e);
        }
        int consumed = head.length - in.available();
        int bytes = header.getNumBytes();
        BloomFilterAlgorithm algorithm = header.getAlgorithm();
        BloomFilterHash hash = header.getHash();
        BloomFilterCompression compression = header.getCompression();
        if (algorithm == null
                || hash == null
                || compression == null
                || !algorithm.isSetBLOCK()
                || !hash.isSetXXHASH()
                || !compression.isSetUNCOMPRESSED()) {
            return new KeyBloom(null, 64); // a kind we don't know: prune nothing
        }
        if (bytes <= 0 || bytes > BlockSplitBloomFilter.UPPER_BOUND_BYTES || bytes > length - offset - consumed) {
            throw new CorruptParquetException(m.object, "bloom filter of " + bytes + " bytes");
        }
        byte[] bitset = read(m.object, m.version, offset + consumed, bytes);
        try {
            return new KeyBloom(new BlockSplitBloomFilter(bitset), 64 + bytes);
        } catch (RuntimeException e) {
            throw new CorruptParquetException(m.object, "malformed bloom filter: " + e.getMessage(), e);
        }
    }

    /* -------------------- pages -------------------- */

    private void keep(Call call, PageRef ref, DecodedPage page) {
        call.pages.put(ref, page);
        if (decoded != null) {
            decoded.put(ref, page);
        }
    }

    private void keep(Call call, MetaKey.Dictionary ref, PageDecoder.Dict dict) {
        call.dicts.put(ref, dict);
        metadata.put(ref, dict);
    }

    /** Reads the bytes of every wanted page not yet decoded, and their dictionaries, in one round; decodes them. */
    private void fetchPages(Call call, FileMeta[] files, ObjectVersion[] versions, Set<PageRef> wanted) {
        Map<ObjectVersion, FileMeta> byVersion = new HashMap<>();
        for (int f = 0; f < versions.length; f++) {
            byVersion.put(versions[f], files[f]);
        }
        List<PageRef> pages = new ArrayList<>();
        for (PageRef ref : wanted) {
            if (call.pages.containsKey(ref)) {
                continue;
            }
            DecodedPage hit = decoded == null ? null : decoded.getIfPresent(ref);
            if (hit != null) {
                decodedHits.increment();
                call.pages.put(ref, hit);
            } else {
                pages.add(ref);
            }
        }
        if (pages.isEmpty()) {
            return;
        }
        Map<MetaKey.Dictionary, Supplier<byte[]>> dictReads = new LinkedHashMap<>();
        List<Supplier<byte[]>> reads = new ArrayList<>();
        for (PageRef ref : pages) {
            FileMeta m = Objects.requireNonNull(byVersion.get(ref.version()));
            ChunkPages c = Objects.requireNonNull(
                    call.chunks.get(new MetaKey.Chunk(ref.version(), ref.rowGroup(), ref.chunk())));
            reads.add(() -> read(m.object, m.version, c.offset[ref.page()], c.size[ref.page()]));
            MetaKey.Dictionary d = new MetaKey.Dictionary(ref.version(), ref.rowGroup(), ref.chunk());
            if (c.dictionaryOffset >= 0 && !call.dicts.containsKey(d) && !dictReads.containsKey(d)) {
                PageDecoder.Dict cached = cachedMetadata(d);
                if (cached != null) {
                    call.dicts.put(d, cached);
                } else {
                    dictReads.put(d, () -> read(m.object, m.version, c.dictionaryOffset, c.dictionarySize));
                }
            }
        }
        List<MetaKey.Dictionary> dictRefs = new ArrayList<>(dictReads.keySet());
        reads.addAll(dictReads.values());
        List<byte[]> bytes = round(reads);
        for (int i = 0; i < dictRefs.size(); i++) {
            MetaKey.Dictionary d = dictRefs.get(i);
            FileMeta m = Objects.requireNonNull(byVersion.get(d.version()));
            ChunkPages c =
                    Objects.requireNonNull(call.chunks.get(new MetaKey.Chunk(d.version(), d.rowGroup(), d.chunk())));
            byte[] b = bytes.get(pages.size() + i);
            PageDecoder.Dict dict = PageDecoder.dictionary(m.object, leaf(m, d.chunk()), c.codec, b, limits);
            metadataLoads.increment();
            keep(call, d, dict);
        }
        for (int i = 0; i < pages.size(); i++) {
            PageRef ref = pages.get(i);
            FileMeta m = Objects.requireNonNull(byVersion.get(ref.version()));
            ChunkPages c = Objects.requireNonNull(
                    call.chunks.get(new MetaKey.Chunk(ref.version(), ref.rowGroup(), ref.chunk())));
            byte[] b = bytes.get(i);
            PageDecoder.Dict dict = call.dicts.get(new MetaKey.Dictionary(ref.version(), ref.rowGroup(), ref.chunk()));
            DecodedPage page = PageDecoder.data(
                    m.object,
                    leaf(m, ref.chunk()),
                    c.codec,
                    b,
                    dict,
                    c.firstRow[ref.page()],
                    c.rowsOf(ref.page()),
                    limits);
            pagesDecoded.increment();
            keep(call, ref, page);
        }
    }

    /** Whether a page is decoded, in this call or in the cache (which it is then taken from). */
    private boolean decodedAlready(Call call, PageRef ref) {
        if (call.pages.containsKey(ref)) {
            return true;
        }
        DecodedPage hit = decoded == null ? null : decoded.getIfPresent(ref);
        if (hit == null) {
            return false;
        }
        decodedHits.increment();
        call.pages.put(ref, hit);
        return true;
    }

    private static Schema.Leaf leaf(FileMeta m, int chunk) {
        if (m.key.chunk() == chunk) {
            return m.key;
        }
        for (Schema.Leaf leaf : m.projection) {
            if (leaf.chunk() == chunk) {
                return leaf;
            }
        }
        throw new IllegalStateException("no column for chunk " + chunk);
    }

    /* -------------------- I/O -------------------- */

    /** Reads {@code length} bytes of {@code v} from {@code offset} through the store. */
    private byte[] read(String object, ObjectVersion v, long offset, int length) {
        if (offset < 0 || length < 0 || offset > v.length() - length) {
            throw new CorruptParquetException(
                    object, "range of " + length + " bytes at " + offset + " lies outside the object of " + v.length());
        }
        byte[] out = new byte[length];
        store.readFully(v, offset, ByteBuffer.wrap(out));
        return out;
    }

    /** Runs one round of reads in parallel, counting it if the store had to fetch from the origin. */
    private <T> List<T> round(List<Supplier<T>> work) {
        if (work.isEmpty()) {
            return List.of();
        }
        long before = store.stats().originFetches();
        try {
            return parallel(work);
        } finally {
            if (store.stats().originFetches() != before) {
                originRounds.increment();
            }
        }
    }

    /** Runs every task, all but the first on the executor, and returns their results in order. */
    private <T> List<T> parallel(List<Supplier<T>> work) {
        int n = work.size();
        if (n == 0) {
            return List.of();
        }
        List<CompletableFuture<T>> futures = new ArrayList<>(n);
        for (int i = 1; i < n; i++) {
            futures.add(CompletableFuture.supplyAsync(work.get(i), executor));
        }
        List<T> out = new ArrayList<>(n);
        RuntimeException failure = null;
        try {
            out.add(work.get(0).get());
        } catch (RuntimeException e) {
            failure = e;
        }
        for (CompletableFuture<T> f : futures) {
            try {
                out.add(f.join());
            } catch (CompletionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof Error err) {
                    throw err;
                }
                if (failure == null) {
                    failure = cause instanceof RuntimeException re ? re : e;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return out;
    }
}
