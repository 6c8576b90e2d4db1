package io.tieredstore.parquetlookup;

import io.tieredstore.core.ObjectVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/*
 * One preload of a table: every object's footer, the page maps of the key and projected chunks of every row group
 * (walking page headers where there is no page index), and the key's bloom filters where a lookup would consult
 * them, read into the metadata cache; every object's summary into the catalog.
 *
 * Threads: `concurrency` workers run on the lookup's executor; each takes the next object and reads its metadata
 * one read at a time, so at most `concurrency` reads are in flight. Lookups running meanwhile share the executor
 * (a round's first task runs on its caller, so they cannot starve) and stay correct: the caches are keyed by
 * version, and summaries are applied to the catalog only under the listing they were read under.
 *
 * Failures: an object that fails is recorded with its exception and the others go on; the future fails only if
 * the table cannot be listed or the executor refuses the work (the lookup was closed).
 */
final class Preloader {
    private final TableEngine table;
    private final int concurrency;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger loadedObjects = new AtomicInteger();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder rounds = new LongAdder(); // preload's rounds are not a lookup's: not reported
    private final Map<String, RuntimeException> failures = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<TableCatalog.Loaded> summaries = new ConcurrentLinkedQueue<>();
    private final MetadataLoader.Sink sink;

    /** A preload of {@code table} with at most {@code concurrency} reads in flight. */
    Preloader(TableEngine table, int concurrency) {
        this.table = table;
        this.concurrency = concurrency;
        this.sink = new MetadataLoader.Sink() {
            @Override
            public void page(Lookup.PageRef ref, PageRows page) {
                table.counters.pagesDecompressed.increment(); // read to learn the pages' ranges; not cached
            }

            @Override
            public void dictionary(MetaKey.Dictionary ref, PageDecoder.Dict dict) {
                bytes.add(dict.weight());
                table.metadata.put(ref, dict);
            }
        };
    }

    /** Starts the preload on the executor; the future completes when every object was loaded or failed. */
    CompletableFuture<PreloadResult> start() {
        return CompletableFuture.supplyAsync(table::catalog, table.config.executor())
                .thenCompose(catalog -> {
                    List<CompletableFuture<Void>> workers = new ArrayList<>();
                    for (int w = 0; w < Math.min(concurrency, Math.max(1, catalog.names.size())); w++) {
                        workers.add(CompletableFuture.runAsync(() -> work(catalog), table.config.executor()));
                    }
                    return CompletableFuture.allOf(workers.toArray(new CompletableFuture<?>[0]))
                            .thenApply(done -> finish(catalog));
                });
    }

    /** Takes objects until none is left. */
    private void work(TableCatalog catalog) {
        for (int p = next.getAndIncrement(); p < catalog.names.size(); p = next.getAndIncrement()) {
            String name = catalog.names.get(p);
            try {
                load(p, name);
                loadedObjects.incrementAndGet();
            } catch (RuntimeException e) {
                failures.put(name, e);
            }
        }
    }

    /** Applies the summaries to the catalog and sums up. */
    private PreloadResult finish(TableCatalog catalog) {
        table.summarized(catalog.listing, new ArrayList<>(summaries));
        return new PreloadResult(catalog.names.size(), loadedObjects.get(), bytes.sum(), failures);
    }

    /** Loads one object's metadata. */
    private void load(int position, String name) {
        ObjectVersion v = table.open(name);
        FileMeta m = cachedOrLoad(new MetaKey.Footer(v), r -> table.loader.footer(r, v, name));
        for (int rg = 0; rg < m.rowGroups.size(); rg++) {
            if (m.rows(rg) == 0) {
                continue;
            }
            int g = rg;
            ChunkPages key = cachedOrLoad(
                    new MetaKey.Chunk(v, rg, m.key.chunk()), r -> table.loader.chunk(r, m, g, m.key, true, sink));
            for (Schema.Leaf leaf : m.projection) {
                cachedOrLoad(
                        new MetaKey.Chunk(v, rg, leaf.chunk()), r -> table.loader.chunk(r, m, g, leaf, false, sink));
            }
            Pruner pages = key.pages;
            if ((pages == null || !pages.ordered()) && m.chunk(rg, m.key).isSetBloom_filter_offset()) {
                cachedOrLoad(new MetaKey.Bloom(v, rg), r -> table.loader.bloom(r, m, g));
            }
        }
        summaries.add(new TableCatalog.Loaded(position, TableCatalog.Summary.of(m, table.stable(name)), m.domain));
    }

    /** The cached value of {@code ref}, or the value {@code load} reads (on this thread), cached. */
    private <V extends Weighted> V cachedOrLoad(MetaKey<V> ref, Function<ReadRound, V> load) {
        V value = table.metadata.getIfPresent(ref);
        if (value == null) {
            value = ReadRound.run(table.config.store(), table.config.executor(), rounds, List.of(load))
                    .get(0);
            table.metadata.put(ref, value);
            table.counters.metadataLoads.increment();
        }
        bytes.add(value.weight());
        return value;
    }
}
