package io.tieredstore.parquetlookup;

import io.tieredstore.core.ObjectVersion;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.apache.parquet.column.values.bloomfilter.BlockSplitBloomFilter;
import org.jspecify.annotations.Nullable;

/*
 * One getAll call: the keys, the versions read, and everything the call loaded, kept in its own maps until it
 * returns whatever the caches evict meanwhile (so a cache bound too small for one call's working set costs
 * re-reads on the next call, never a failure). The rounds run in order, one method each, every one skipped when
 * what it needs is cached:
 *
 *   fromResults      keys whose rows the result cache holds for the versions of their candidates (no reads); when
 *                    every key is answered there, no round runs
 *   footers          round 1: footers of the objects the catalog names as candidates (opening those it has no
 *                    summary of, in the round); summaries of versions that differ go back to the catalog
 *   prune            objects by their key range, row groups by their statistics (no reads)
 *   chunkPages       round 2: page maps of the key and projected chunks of every candidate row group
 *   blooms           round 2b: bloom filters of row groups whose key pages are not ordered
 *   keyPages         round 3: candidate key pages, projected pages of the same rows (prefetch), dictionaries
 *   findRows         the matching rows, from the key pages read in place (no reads)
 *   projectedPages   round 4: projected pages holding matching rows that the prefetch did not cover
 *   assemble         the rows, in table order
 *
 * Pages are decompressed into the page cache when it has room, and read by row in place: by the round's task that
 * read the page when its dictionary is at hand (so decoding overlaps the round's slowest read), else on the calling
 * thread after the round. Pages taken from the cache are retained by the call and released when it ends, after
 * every value was copied into a Java object.
 * Not thread-safe: one instance serves one call on one thread (its rounds' tasks write only concurrent maps).
 * Over 500 lines because the rounds share the call's state; splitting them would pass that state around instead.
 */
final class Lookup {
    /** Above this many candidate key pages per row group, projected pages are read after the key pages. */
    static final int PREFETCH_PAGES = 2;

    /** At most this many tasks open the objects whose policy revalidates, so that a large table costs few tasks. */
    private static final int OPEN_TASKS = 16;

    /** One page of one column chunk of one object version: the key of the page cache. */
    record PageRef(ObjectVersion version, int rowGroup, int chunk, int page) {}

    /** One key in one row group of one object. */
    private record Task(int key, int file, int rowGroup, Object normalized) {}

    /** One matching row. */
    private record Match(int key, int file, int rowGroup, long row) {}

    private final TableEngine table;
    private final LookupCounters counters;
    private final MetadataCache metadata;
    private final PageCache cache;
    private final List<?> keys;
    private final TableCatalog catalog;
    // the call's objects are the catalog's candidates for any key, in table order: index f is position positions[f]
    private final int[] positions;
    private final int[][] perKey; // each key's candidates, as indexes f
    private final List<String> names;
    private final @Nullable ObjectVersion[] versions; // null until footers() for objects without a summary
    private final FileMeta[] files;
    private final Map<ObjectVersion, FileMeta> byVersion = new HashMap<>();
    private final Map<MetaKey.Chunk, ChunkPages> chunks = new ConcurrentHashMap<>();
    private final Map<PageRef, PageRows> pages = new ConcurrentHashMap<>();
    // retained by this call, released when it ends; a round's tasks add the pages they open
    private final Queue<PageCache.Entry> held = new ConcurrentLinkedQueue<>();
    private final Map<MetaKey.Dictionary, PageDecoder.Dict> dicts = new ConcurrentHashMap<>();
    private final Map<MetaKey.Bloom, KeyBloom> blooms = new ConcurrentHashMap<>();
    private final List<Task> tasks = new ArrayList<>();
    private final Map<Task, int[]> keyPages = new HashMap<>();
    private final List<Match> matches = new ArrayList<>();
    private final List<@Nullable List<Row>> answered; // per key, its rows from the result cache, or null
    private final MetadataLoader.Sink sink = new MetadataLoader.Sink() {
        @Override
        public void page(PageRef ref, PageRows page) {
            counters.pagesDecompressed.increment();
            pages.put(ref, page); // read from the heap by this call only: the next reads the page into the cache
        }

        @Override
        public void dictionary(MetaKey.Dictionary ref, PageDecoder.Dict dict) {
            keep(ref, dict);
        }
    };

    /**
     * A lookup of {@code keys} (none null) in {@code table}, of the objects of its catalog that may hold a key:
     * those with a summary are opened at their current versions now, the others in the footer round. Objects whose
     * policy revalidates are all opened (in parallel); one at a version its summary does not describe may hold any key.
     */
    Lookup(TableEngine table, List<?> keys) {
        this.table = table;
        this.counters = table.counters;
        this.metadata = table.metadata;
        this.cache = table.pageCache;
        this.keys = keys;
        this.catalog = table.catalog();
        int[][] byKey = catalog.candidates(keys);
        int[] checked = catalog.checked();
        ObjectVersion[] now = new ObjectVersion[checked.length];
        List<Function<ReadRound, Boolean>> opens = new ArrayList<>();
        int slice = (checked.length + OPEN_TASKS - 1) / OPEN_TASKS; // a few tasks, each opening a run of objects
        for (int from = 0; from < checked.length; from += slice) {
            int start = from;
            int end = Math.min(checked.length, from + slice);
            opens.add(r -> {
                for (int i = start; i < end; i++) {
                    now[i] = table.open(catalog.names.get(checked[i]));
                }
                return true;
            });
        }
        round(opens);
        int[] changed = new int[checked.length];
        int nChanged = 0;
        for (int i = 0; i < checked.length; i++) {
            if (!Objects.requireNonNull(catalog.summary(checked[i])).isOf(now[i])) {
                changed[nChanged++] = checked[i];
            }
        }
        if (nChanged > 0) {
            int[] any = Arrays.copyOf(changed, nChanged);
            for (int q = 0; q < byKey.length; q++) {
                byKey[q] = TableCatalog.union(new int[][] {byKey[q], any});
            }
        }
        this.positions = TableCatalog.union(byKey);
        this.perKey = new int[byKey.length][];
        for (int q = 0; q < byKey.length; q++) {
            perKey[q] = new int[byKey[q].length];
            for (int i = 0; i < byKey[q].length; i++) {
                perKey[q][i] = Arrays.binarySearch(positions, byKey[q][i]);
            }
        }
        String[] called = new String[positions.length];
        this.versions = new ObjectVersion[positions.length];
        for (int f = 0; f < positions.length; f++) {
            called[f] = catalog.names.get(positions[f]);
            if (catalog.summary(positions[f]) != null) {
                int i = Arrays.binarySearch(checked, positions[f]);
                versions[f] = i >= 0 ? now[i] : table.open(called[f]);
            }
        }
        this.names = Arrays.asList(called);
        this.files = new FileMeta[positions.length];
        this.answered = new ArrayList<>(Collections.nCopies(keys.size(), null));
    }

    /** Runs the rounds and returns each key's rows, in the order of the keys. */
    List<LookupResult> run() {
        try {
            if (!fromResults()) {
                footers();
                prune();
                chunkPages();
                blooms();
                keyPages();
                findRows();
                projectedPages();
            }
            return assemble(); // every value is a Java object by now: nothing of a cached page escapes the call
        } finally {
            for (PageCache.Entry e : held) {
                cache.release(e);
            }
            held.clear();
        }
    }

    /* -------------------- rounds -------------------- */

    /** Takes from the result cache the rows of every key it holds at this call's versions; whether that is all. */
    private boolean fromResults() {
        if (!table.results.enabled()) {
            return false;
        }
        boolean all = true;
        for (int q = 0; q < keys.size(); q++) {
            ObjectVersion[] read = candidateVersions(q);
            List<Row> rows = read == null ? null : table.results.get(keys.get(q), read);
            if (rows == null) {
                all = false;
            } else {
                answered.set(q, rows);
                counters.resultHits.increment();
            }
        }
        return all;
    }

    /** The versions of key {@code q}'s candidate objects, in table order, or null while one is not known yet. */
    private ObjectVersion @Nullable [] candidateVersions(int q) {
        int[] candidates = perKey[q];
        ObjectVersion[] out = new ObjectVersion[candidates.length];
        for (int i = 0; i < candidates.length; i++) {
            ObjectVersion v = versions[candidates[i]];
            if (v == null) {
                return null;
            }
            out[i] = v;
        }
        return out;
    }

    /**
     * Round 1: the footers of the call's objects, opening those without a summary; then the catalog learns the
     * summaries of versions it does not have (prune() prunes those objects by their new ranges).
     */
    private void footers() {
        List<Integer> loading = new ArrayList<>();
        List<Function<ReadRound, FileMeta>> loads = new ArrayList<>();
        for (int f = 0; f < files.length; f++) {
            ObjectVersion v = versions[f];
            FileMeta cached = v == null ? null : cached(new MetaKey.Footer(v));
            if (cached != null) {
                files[f] = cached;
            } else {
                String name = names.get(f);
                loading.add(f);
                loads.add(r -> footer(r, v, name));
            }
        }
        List<FileMeta> loaded = round(loads);
        for (int i = 0; i < loading.size(); i++) {
            files[loading.get(i)] = loaded.get(i);
        }
        List<TableCatalog.Loaded> changed = new ArrayList<>();
        for (int f = 0; f < files.length; f++) {
            FileMeta m = files[f];
            versions[f] = m.version;
            byVersion.put(m.version, m);
            TableCatalog.Summary known = catalog.summary(positions[f]);
            if (known == null || !known.isOf(m.version)) {
                changed.add(new TableCatalog.Loaded(
                        positions[f], TableCatalog.Summary.of(m, table.stable(names.get(f))), m.domain));
            }
        }
        table.summarized(catalog.listing, changed);
    }

    /** The footer of {@code name} at {@code opened}, or (if null) at the version it opens at now; cached. */
    private FileMeta footer(ReadRound r, @Nullable ObjectVersion opened, String name) {
        if (opened != null) {
            return loaded(new MetaKey.Footer(opened), table.loader.footer(r, opened, name));
        }
        // Not opened yet: the read of its end opens it (one request, no HEAD, when the version is not known).
        counters.objectsOpened.increment();
        ReadRound.Tail tail = table.loader.openTail(r, name);
        MetaKey.Footer ref = new MetaKey.Footer(tail.version());
        FileMeta m = cached(ref);
        return m != null ? m : loaded(ref, table.loader.footer(r, tail.version(), name, tail.bytes()));
    }

    /** Remembers a footer just loaded. */
    private FileMeta loaded(MetaKey.Footer ref, FileMeta m) {
        metadata.put(ref, m);
        counters.metadataLoads.increment();
        return m;
    }

    /** Prunes objects by their key range and row groups by their statistics: one task per remaining row group. */
    private void prune() {
        int objects = catalog.names.size();
        for (int q = 0; q < keys.size(); q++) {
            if (answered.get(q) != null) {
                continue;
            }
            Object key = keys.get(q);
            int[] candidates = perKey[q];
            counters.objectsPruned.add(objects - candidates.length);
            for (int f : candidates) {
                FileMeta m = files[f];
                Object nk = m.domain.normalize(key);
                if (nk == null) {
                    counters.objectsPruned.increment();
                    continue;
                }
                if (m.min != null
                        && m.max != null
                        && m.statisticsUsable()
                        && (m.domain.compare(nk, m.min) < 0 || m.domain.compare(nk, m.max) > 0)) {
                    counters.objectsPruned.increment();
                    continue;
                }
                int[] groups = m.statisticsUsable() ? m.rowGroupPruner.candidates(nk) : liveRowGroups(m);
                counters.rowGroupsPruned.add(m.rowGroups.size() - groups.length);
                for (int rg : groups) {
                    tasks.add(new Task(q, f, rg, nk));
                }
            }
        }
    }

    /** Round 2: the page maps of the key and projected chunks of every task's row group. */
    private void chunkPages() {
        Map<MetaKey.Chunk, Function<ReadRound, ChunkPages>> loads = new LinkedHashMap<>();
        for (Task t : tasks) {
            FileMeta m = files[t.file()];
            wantChunk(loads, m, t.rowGroup(), m.key, true);
            for (Schema.Leaf leaf : m.projection) {
                wantChunk(loads, m, t.rowGroup(), leaf, false);
            }
        }
        load(loads, chunks);
    }

    /** Round 2b: the bloom filters of row groups whose key pages are not ordered. */
    private void blooms() {
        Map<MetaKey.Bloom, Function<ReadRound, KeyBloom>> loads = new LinkedHashMap<>();
        for (Task t : tasks) {
            FileMeta m = files[t.file()];
            Pruner p = chunk(m, t.rowGroup(), m.key).pages;
            if ((p == null || !p.ordered()) && m.chunk(t.rowGroup(), m.key).isSetBloom_filter_offset()) {
                MetaKey.Bloom ref = new MetaKey.Bloom(m.version, t.rowGroup());
                if (!blooms.containsKey(ref) && !loads.containsKey(ref)) {
                    KeyBloom cached = cached(ref);
                    if (cached != null) {
                        blooms.put(ref, cached);
                    } else {
                        loads.put(ref, r -> table.loader.bloom(r, m, t.rowGroup()));
                    }
                }
            }
        }
        load(loads, blooms);
    }

    /** Round 3: each task's candidate key pages, and while few, the projected pages covering the same rows. */
    private void keyPages() {
        Set<PageRef> wanted = new LinkedHashSet<>();
        for (Task t : tasks) {
            FileMeta m = files[t.file()];
            KeyBloom bloom = blooms.get(new MetaKey.Bloom(m.version, t.rowGroup()));
            BlockSplitBloomFilter filter = bloom == null ? null : bloom.filter();
            if (filter != null) {
                Long hash = m.domain.bloomHash(filter, t.normalized());
                if (hash != null && !filter.findHash(hash)) {
                    counters.bloomPrunes.increment();
                    counters.rowGroupsPruned.increment();
                    keyPages.put(t, new int[0]);
                    continue;
                }
            }
            ChunkPages kc = chunk(m, t.rowGroup(), m.key);
            Pruner p = kc.pages;
            int[] candidates = p != null && m.statisticsUsable() ? p.candidates(t.normalized()) : all(kc);
            counters.pagesPruned.add(kc.count() - candidates.length);
            keyPages.put(t, candidates);
            for (int page : candidates) {
                PageRef keyPage = new PageRef(m.version, t.rowGroup(), m.key.chunk(), page);
                wanted.add(keyPage);
                // prefetch only to save a round trip: a key page already read tells us the rows at once
                if (candidates.length <= PREFETCH_PAGES && !pageAt(keyPage)) {
                    long from = kc.firstRow[page];
                    long to = from + kc.rowsOf(page);
                    if (to > from) {
                        for (Schema.Leaf leaf : m.projection) {
                            int[] range = chunk(m, t.rowGroup(), leaf).pagesOf(from, to);
                            for (int pp = range[0]; pp <= range[1]; pp++) {
                                wanted.add(new PageRef(m.version, t.rowGroup(), leaf.chunk(), pp));
                            }
                        }
                    }
                }
            }
        }
        fetchPages(wanted);
    }

    /** The rows of each task's candidate key pages that hold its key. */
    private void findRows() {
        for (Task t : tasks) {
            FileMeta m = files[t.file()];
            for (int page : Objects.requireNonNull(keyPages.get(t))) {
                PageRows kp =
                        Objects.requireNonNull(pages.get(new PageRef(m.version, t.rowGroup(), m.key.chunk(), page)));
                for (int i : m.domain.rowsOf(t.normalized(), kp)) {
                    matches.add(new Match(t.key(), t.file(), t.rowGroup(), kp.firstRow() + i));
                }
            }
        }
    }

    /** Round 4: the projected pages holding matching rows that the prefetch did not cover. */
    private void projectedPages() {
        Set<PageRef> missing = new LinkedHashSet<>();
        for (Match x : matches) {
            FileMeta m = files[x.file()];
            for (Schema.Leaf leaf : m.projection) {
                PageRef ref = projectedPage(m, x, leaf);
                if (!pages.containsKey(ref)) {
                    missing.add(ref);
                }
            }
        }
        fetchPages(missing);
    }

    /** Each key's rows, in table order, and the counters of the call. */
    private List<LookupResult> assemble() {
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
                PageRows page = Objects.requireNonNull(pages.get(projectedPage(m, x, leaf)));
                int i = (int) (x.row() - page.firstRow());
                if (i < 0 || i >= page.rows()) {
                    throw new CorruptParquetException(
                            m.object, "column " + leaf.name() + " has no value for row " + x.row());
                }
                values.add(Values.of(m.object, leaf, page, i));
            }
            rows.get(x.key()).add(new Row(names.get(x.file()), m.firstRow[x.rowGroup()] + x.row(), values));
        }
        List<String> columns = table.config.columns();
        List<LookupResult> out = new ArrayList<>(keys.size());
        for (int q = 0; q < keys.size(); q++) {
            List<Row> found = answered.get(q);
            if (found == null) {
                found = rows.get(q);
                ObjectVersion[] read = candidateVersions(q);
                if (read != null) {
                    table.results.put(keys.get(q), read, found);
                }
            }
            out.add(new LookupResult(keys.get(q), columns, found));
            counters.rowsReturned.add(found.size());
        }
        counters.lookups.add(keys.size());
        return out;
    }

    /* -------------------- metadata -------------------- */

    /** The cached value of {@code key}, counted as a hit, or null. */
    private <V extends Weighted> @Nullable V cached(MetaKey<V> key) {
        V value = metadata.getIfPresent(key);
        if (value != null) {
            counters.metadataHits.increment();
        }
        return value;
    }

    /** Runs {@code loads} as one round, then caches and records every result. */
    private <K extends MetaKey<V>, V extends Weighted> void load(Map<K, Function<ReadRound, V>> loads, Map<K, V> into) {
        List<K> refs = new ArrayList<>(loads.keySet());
        List<V> results = round(new ArrayList<>(loads.values()));
        for (int i = 0; i < refs.size(); i++) {
            V v = results.get(i);
            metadata.put(refs.get(i), v);
            into.put(refs.get(i), v);
            counters.metadataLoads.increment();
        }
    }

    /** Adds the load of a chunk's page map to {@code loads} unless this call has it or the cache does. */
    private void wantChunk(
            Map<MetaKey.Chunk, Function<ReadRound, ChunkPages>> loads,
            FileMeta m,
            int rg,
            Schema.Leaf leaf,
            boolean key) {
        MetaKey.Chunk ref = new MetaKey.Chunk(m.version, rg, leaf.chunk());
        if (chunks.containsKey(ref) || loads.containsKey(ref)) {
            return;
        }
        ChunkPages cached = cached(ref);
        if (cached != null) {
            chunks.put(ref, cached);
        } else {
            loads.put(ref, r -> table.loader.chunk(r, m, rg, leaf, key, sink));
        }
    }

    /** The page map, loaded by this call, of row group {@code rg}'s chunk of {@code leaf}. */
    private ChunkPages chunk(FileMeta m, int rg, Schema.Leaf leaf) {
        return Objects.requireNonNull(chunks.get(new MetaKey.Chunk(m.version, rg, leaf.chunk())));
    }

    /* -------------------- pages -------------------- */

    /** The page of {@code leaf} holding the row of {@code x}. */
    private PageRef projectedPage(FileMeta m, Match x, Schema.Leaf leaf) {
        return new PageRef(
                m.version,
                x.rowGroup(),
                leaf.chunk(),
                chunk(m, x.rowGroup(), leaf).pageOf(x.row()));
    }

    /** Keeps a decoded dictionary for this call and, while the bound allows, for later calls. */
    private void keep(MetaKey.Dictionary ref, PageDecoder.Dict dict) {
        dicts.put(ref, dict);
        metadata.put(ref, dict);
    }

    /**
     * Reads the bytes of every wanted page not yet at hand, and their dictionaries, in one round, and opens them: a
     * page whose dictionary is at hand (or that has none) is decompressed by the task that read it, so that decoding
     * overlaps the round's slowest read; the others after the round, once their dictionaries are read too.
     */
    private void fetchPages(Set<PageRef> wanted) {
        List<PageRef> reads = new ArrayList<>();
        for (PageRef ref : wanted) {
            if (pages.containsKey(ref)) {
                continue;
            }
            if (!cachedPage(ref)) {
                reads.add(ref);
            }
        }
        if (reads.isEmpty()) {
            return;
        }
        Map<MetaKey.Dictionary, Function<ReadRound, byte[]>> dictReads = new LinkedHashMap<>();
        List<Function<ReadRound, byte[]>> work = new ArrayList<>();
        for (PageRef ref : reads) {
            FileMeta m = Objects.requireNonNull(byVersion.get(ref.version()));
            ChunkPages c = chunkOf(ref);
            MetaKey.Dictionary d = dictionaryOf(ref);
            if (c.dictionaryOffset >= 0 && !dicts.containsKey(d) && !dictReads.containsKey(d)) {
                PageDecoder.Dict cached = cached(d);
                if (cached != null) {
                    dicts.put(d, cached);
                } else {
                    dictReads.put(d, r -> table.loader.dictionaryBytes(r, m, c));
                }
            }
            boolean openNow = c.dictionaryOffset < 0 || dicts.containsKey(d);
            work.add(r -> {
                byte[] bytes = r.read(m.object, m.version, c.offset[ref.page()], c.size[ref.page()]);
                if (openNow) {
                    open(ref, m, c, bytes);
                }
                return bytes;
            });
        }
        List<MetaKey.Dictionary> dictRefs = new ArrayList<>(dictReads.keySet());
        work.addAll(dictReads.values());
        List<byte[]> bytes = round(work);
        for (int i = 0; i < dictRefs.size(); i++) {
            MetaKey.Dictionary d = dictRefs.get(i);
            FileMeta m = Objects.requireNonNull(byVersion.get(d.version()));
            ChunkPages c = chunkOf(d.version(), d.rowGroup(), d.chunk());
            PageDecoder.Dict dict = table.loader.dictionary(m, m.leaf(d.chunk()), c, bytes.get(reads.size() + i));
            counters.metadataLoads.increment();
            keep(d, dict);
        }
        for (int i = 0; i < reads.size(); i++) {
            PageRef ref = reads.get(i);
            if (!pages.containsKey(ref)) { // not opened by its task: its dictionary was read in this round
                open(ref, Objects.requireNonNull(byVersion.get(ref.version())), chunkOf(ref), bytes.get(i));
            }
        }
    }

    /**
     * Decompresses a page this call read, into the page cache when it has room, and keeps it for the call; runs on
     * the calling thread or in a round's task (every structure it writes is concurrent).
     */
    private void open(PageRef ref, FileMeta m, ChunkPages c, byte[] bytes) {
        RawPage raw = PageDecoder.open(
                m.object,
                m.leaf(ref.chunk()),
                c.codec,
                bytes,
                c.firstRow[ref.page()],
                c.rowsOf(ref.page()),
                table.limits);
        PageCache.Entry e = cache.fill(ref, raw, dicts.get(dictionaryOf(ref)));
        held.add(e);
        counters.pagesDecompressed.increment();
        pages.put(ref, e.rows);
    }

    private static MetaKey.Dictionary dictionaryOf(PageRef ref) {
        return new MetaKey.Dictionary(ref.version(), ref.rowGroup(), ref.chunk());
    }

    private ChunkPages chunkOf(PageRef ref) {
        return chunkOf(ref.version(), ref.rowGroup(), ref.chunk());
    }

    /** Whether a page is read already, by this call or into the page cache (then taken from it). */
    private boolean pageAt(PageRef ref) {
        return pages.containsKey(ref) || cachedPage(ref);
    }

    /** Takes {@code ref} from the page cache for this call, if it is there. */
    private boolean cachedPage(PageRef ref) {
        PageCache.Entry e = cache.acquire(ref);
        if (e == null) {
            return false;
        }
        held.add(e);
        counters.pageCacheHits.increment();
        pages.put(ref, e.rows);
        return true;
    }

    /** The page map, loaded by this call, of a chunk of an object version. */
    private ChunkPages chunkOf(ObjectVersion v, int rg, int chunk) {
        return Objects.requireNonNull(chunks.get(new MetaKey.Chunk(v, rg, chunk)));
    }

    /** Runs {@code work} as one round of reads of this table. */
    private <T> List<T> round(List<Function<ReadRound, T>> work) {
        return ReadRound.run(table.config.store(), table.config.executor(), counters.originRounds, work);
    }

    /* -------------------- helpers -------------------- */

    /** The row groups of {@code m} that have rows (every one is a candidate without usable statistics). */
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

    /** Every page of {@code c}. */
    private static int[] all(ChunkPages c) {
        int[] all = new int[c.count()];
        for (int p = 0; p < all.length; p++) {
            all[p] = p;
        }
        return all;
    }
}
