package io.tieredstore.parquetlookup;

import io.tieredstore.core.ObjectVersion;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
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

/*
 * Reads and parses a table's metadata from the store: footers, chunk page maps (from the offset and column
 * indexes, or by walking the page headers of a file without them or whose offset index contradicts its pages),
 * dictionaries and bloom filters. It keeps no
 * state but its settings: caching is the caller's (MetadataCache), and every read goes through the round it is
 * given, so that the caller knows which round went to the origin. Every length read from the file is checked
 * against the object and the caps before anything is allocated; bad bytes become CorruptParquetException.
 */
final class MetadataLoader {
    /**
     * How much of an object's end the first footer read takes, so that most footers and their page indexes
     * (which parquet-java writes just before the footer) cost one read, the one that opens the object.
     */
    private static final int TAIL_BYTES = 128 << 10;

    private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ENCRYPTED_MAGIC = "PARE".getBytes(StandardCharsets.US_ASCII);

    /** Receives what walking the key chunk decoded on the way, so that the lookup need not decode it again. */
    interface Sink {
        /** A key page decoded while walking its chunk. */
        void page(Lookup.PageRef ref, PageRows page);

        /** The key chunk's dictionary, decoded while walking it. */
        void dictionary(MetaKey.Dictionary ref, PageDecoder.Dict dict);
    }

    private final String bucket;
    private final String keyColumn;
    private final List<String> columns;
    private final int maxFooterBytes;
    private final PageDecoder.Limits limits;

    private final LongAdder distrusted;

    /** A loader for the table {@code config} describes, counting unused offset indexes in {@code distrusted}. */
    MetadataLoader(LookupConfig config, LongAdder distrusted) {
        this.distrusted = distrusted;
        this.bucket = config.bucket();
        this.keyColumn = config.keyColumn();
        this.columns = config.columns();
        this.maxFooterBytes = config.maxFooterBytes();
        this.limits = config.limits();
    }

    /** The footer of object {@code name} at version {@code v}. */
    FileMeta footer(ReadRound r, ObjectVersion v, String name) {
        int tailLength = (int) Math.min(v.length(), TAIL_BYTES);
        return footer(r, v, name, r.read(bucket + "/" + name, v, v.length() - tailLength, tailLength));
    }

    /**
     * Object {@code name} opened at its current version by reading its end (one origin request when its
     * version must be learned: the suffix read gives version, length and footer), with its footer.
     */
    ReadRound.Tail openTail(ReadRound r, String name) {
        return r.openTail(bucket, name, TAIL_BYTES);
    }

    /** The footer of object {@code name} at version {@code v} whose last bytes (up to 64 KiB) are {@code tail}. */
    FileMeta footer(ReadRound r, ObjectVersion v, String name, byte[] tail) {
        String object = bucket + "/" + name;
        long length = v.length();
        if (length < 12) {
            throw new CorruptParquetException(object, "too short to be Parquet (" + length + " bytes)");
        }
        int tailLength = tail.length;
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
                : new ByteArrayInputStream(r.read(object, v, length - 8 - footerLength, footerLength));
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

    /**
     * The page map of row group {@code rg}'s chunk of {@code leaf}; for the {@code key} column with a pruner over
     * its pages. Walking the key chunk of a file without an offset index decodes its pages, handed to {@code sink}.
     */
    ChunkPages chunk(ReadRound r, FileMeta m, int rg, Schema.Leaf leaf, boolean key, Sink sink) {
        ColumnChunk cc = m.columnChunk(rg, leaf);
        ColumnMetaData md = m.chunk(rg, leaf);
        CompressionCodec codec = Objects.requireNonNull(md.getCodec()); // FileMeta checked every chunk has one
        long start = FileMeta.chunkStart(md);
        long end = start + md.getTotal_compressed_size();
        if (end > m.version.length()) {
            throw new CorruptParquetException(m.object, "column chunk of " + leaf.name() + " overruns the object");
        }
        try {
            OffsetIndex offsets = null;
            if (cc.isSetOffset_index_offset() && cc.isSetOffset_index_length()) {
                offsets = Util.readOffsetIndex(new ByteArrayInputStream(
                        index(r, m, cc.getOffset_index_offset(), cc.getOffset_index_length())));
                if (!ChunkPages.rowsAgree(offsets, m.rows(rg))) {
                    distrusted.increment(); // its rows contradict the pages: walk the page headers instead
                    offsets = null;
                }
            }
            if (offsets != null) {
                ColumnIndex pages = null;
                if (key && m.statisticsUsable() && cc.isSetColumn_index_offset() && cc.isSetColumn_index_length()) {
                    pages = Util.readColumnIndex(new ByteArrayInputStream(
                            index(r, m, cc.getColumn_index_offset(), cc.getColumn_index_length())));
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
        return walk(r, m, rg, leaf, key, start, end, sink);
    }

    /** The bytes of a chunk's dictionary page, header included. */
    byte[] dictionaryBytes(ReadRound r, FileMeta m, ChunkPages c) {
        return r.read(m.object, m.version, c.dictionaryOffset, c.dictionarySize);
    }

    /** Decodes the dictionary page {@code bytes} of chunk {@code c} of {@code leaf}. */
    PageDecoder.Dict dictionary(FileMeta m, Schema.Leaf leaf, ChunkPages c, byte[] bytes) {
        return PageDecoder.dictionary(m.object, leaf, c.codec, bytes, limits);
    }

    /** Row group {@code rg}'s bloom filter over the key (which its chunk metadata says it has). */
    KeyBloom bloom(ReadRound r, FileMeta m, int rg) {
        ColumnMetaData md = m.chunk(rg, m.key);
        long offset = md.getBloom_filter_offset();
        long length = m.version.length();
        if (offset < 0 || offset >= length) {
            throw new CorruptParquetException(m.object, "bloom filter at " + offset + " lies outside the object");
        }
        int headerBytes = (int) Math.min(
                length - offset, md.isSetBloom_filter_length() ? Math.max(0, md.getBloom_filter_length()) : 64);
        byte[] head = r.read(m.object, m.version, offset, Math.min(headerBytes, 64));
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
        byte[] bitset = r.read(m.object, m.version, offset + consumed, bytes);
        try {
            return new KeyBloom(new BlockSplitBloomFilter(bitset), 64 + bytes);
        } catch (RuntimeException e) {
            throw new CorruptParquetException(m.object, "malformed bloom filter: " + e.getMessage(), e);
        }
    }

    /** The bytes of a page index, after checking its length against the cap. */
    private byte[] index(ReadRound r, FileMeta m, long offset, int length) {
        if (length < 0 || length > maxFooterBytes) {
            throw new CorruptParquetException(
                    m.object, "page index of " + length + " bytes exceeds the cap of " + maxFooterBytes);
        }
        return r.read(m.object, m.version, offset, length);
    }

    /**
     * Builds a chunk's page map from its page headers, for files without an offset index; for the key column
     * it also decodes every page (handing them to {@code sink}) to learn each page's min and max.
     */
    private ChunkPages walk(
            ReadRound r, FileMeta m, int rg, Schema.Leaf leaf, boolean key, long start, long end, Sink sink) {
        if (end - start > Integer.MAX_VALUE - 64) {
            throw new UnsupportedParquetException(
                    m.object, "column chunk of " + leaf.name() + " larger than 2 GiB without an offset index");
        }
        byte[] chunk = r.read(m.object, m.version, start, (int) (end - start));
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
                sink.dictionary(new MetaKey.Dictionary(m.version, rg, leaf.chunk()), dict);
            }
            Object[] mins = new Object[n];
            Object[] maxs = new Object[n];
            boolean[] empty = new boolean[n];
            for (int p = 0; p < n; p++) {
                byte[] b = Arrays.copyOfRange(chunk, (int) (offset[p] - start), (int) (offset[p] - start) + size[p]);
                long rows = (p + 1 < n ? first[p + 1] : m.rows(rg)) - first[p];
                PageRows page = PageDecoder.open(m.object, leaf, codec, b, first[p], (int) rows, limits)
                        .rows(dict);
                sink.page(new Lookup.PageRef(m.version, rg, leaf.chunk(), p), page);
                empty[p] = true;
                for (int i = 0; i < page.rows(); i++) {
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
}
