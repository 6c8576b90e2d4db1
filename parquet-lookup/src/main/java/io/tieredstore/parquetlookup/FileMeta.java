package io.tieredstore.parquetlookup;

import io.tieredstore.core.ObjectVersion;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.ColumnOrder;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Statistics;
import org.jspecify.annotations.Nullable;

/**
 * One object version's parsed footer, as much as lookups need: the schema's key and projected columns, each
 * row group's column chunks, first row and row count, and the key's min/max per row group and per file.
 */
final class FileMeta implements Weighted {
    final ObjectVersion version;
    final String object;
    final Schema.Leaf key;
    final Schema.Leaf[] projection;
    final KeyDomain domain;
    final List<RowGroup> rowGroups;
    final long[] firstRow;
    final Pruner rowGroupPruner;
    final @Nullable Object min;
    final @Nullable Object max;
    /** Whether the key's binary statistics were written in Parquet's defined (unsigned) order. */
    final boolean trustedOrder;

    final @Nullable String createdBy;
    private final int weight;

    private FileMeta(
            ObjectVersion version,
            String object,
            Schema.Leaf key,
            Schema.Leaf[] projection,
            KeyDomain domain,
            List<RowGroup> rowGroups,
            long[] firstRow,
            Pruner rowGroupPruner,
            @Nullable Object min,
            @Nullable Object max,
            boolean trustedOrder,
            @Nullable String createdBy,
            int weight) {
        this.version = version;
        this.object = object;
        this.key = key;
        this.projection = projection;
        this.domain = domain;
        this.rowGroups = rowGroups;
        this.firstRow = firstRow;
        this.rowGroupPruner = rowGroupPruner;
        this.min = min;
        this.max = max;
        this.trustedOrder = trustedOrder;
        this.createdBy = createdBy;
        this.weight = weight;
    }

    @Override
    public int weight() {
        return weight;
    }

    /** The metadata of row group {@code rg}'s chunk of {@code leaf}. */
    ColumnMetaData chunk(int rg, Schema.Leaf leaf) {
        return Objects.requireNonNull(columnChunk(rg, leaf).getMeta_data()); // checked by of()
    }

    /** The column chunk (with its index locations) of row group {@code rg} for {@code leaf}. */
    ColumnChunk columnChunk(int rg, Schema.Leaf leaf) {
        return Objects.requireNonNull(rowGroups.get(rg).getColumns()).get(leaf.chunk()); // checked by of()
    }

    /** The key or projected column stored in chunk {@code chunk}. */
    Schema.Leaf leaf(int chunk) {
        if (key.chunk() == chunk) {
            return key;
        }
        for (Schema.Leaf leaf : projection) {
            if (leaf.chunk() == chunk) {
                return leaf;
            }
        }
        throw new IllegalStateException("no column for chunk " + chunk);
    }

    /** The number of rows of row group {@code rg}. */
    long rows(int rg) {
        return rowGroups.get(rg).getNum_rows();
    }

    /**
     * Checks and digests a parsed footer.
     *
     * @param footerBytes the footer's length, to weigh the entry
     * @throws CorruptParquetException if the footer contradicts itself or the object's length
     * @throws UnsupportedParquetException if the key or a projected column is missing, nested or of a type
     *     that can't be looked up, or the file uses encryption or external column chunks
     */
    static FileMeta of(
            ObjectVersion version,
            String object,
            FileMetaData footer,
            int footerBytes,
            String keyName,
            List<String> projected) {
        if (footer.isSetEncryption_algorithm()) {
            throw new UnsupportedParquetException(object, "encrypted columns are not supported");
        }
        Schema schema = Schema.parse(object, CorruptParquetException.required(object, footer.getSchema(), "schema"));
        Schema.Leaf key = column(object, schema, keyName, "key column");
        Schema.Leaf[] projection = new Schema.Leaf[projected.size()];
        for (int i = 0; i < projection.length; i++) {
            projection[i] = column(object, schema, projected.get(i), "projected column");
        }
        KeyDomain domain = KeyDomain.of(object, key);
        boolean trusted = trustedOrder(footer, key);
        List<RowGroup> groups = footer.getRow_groups() == null ? List.of() : footer.getRow_groups();
        int n = groups.size();
        long[] first = new long[n];
        @Nullable Object[] mins = new Object[n];
        @Nullable Object[] maxs = new Object[n];
        boolean[] empty = new boolean[n];
        long row = 0;
        for (int g = 0; g < n; g++) {
            RowGroup rg = groups.get(g);
            if (rg.getColumns() == null || rg.getColumns().size() != schema.leaves()) {
                throw new CorruptParquetException(
                        object,
                        "row group " + g + " has "
                                + (rg.getColumns() == null ? 0 : rg.getColumns().size()) + " column chunks for "
                                + schema.leaves() + " columns");
            }
            long rows = rg.getNum_rows();
            if (rows < 0) {
                throw new CorruptParquetException(object, "row group " + g + " has " + rows + " rows");
            }
            for (ColumnChunk c : rg.getColumns()) {
                if (c.isSetFile_path()) {
                    throw new UnsupportedParquetException(object, "column chunks in other files are not supported");
                }
                if (!c.isSetMeta_data()) {
                    throw new UnsupportedParquetException(
                            object, "column chunk without plaintext metadata (encrypted?)");
                }
                checkChunk(object, version.length(), Objects.requireNonNull(c.getMeta_data()));
            }
            first[g] = row;
            row += rows;
            if (row < 0) {
                throw new CorruptParquetException(object, "row count overflows");
            }
            checkValues(object, rg, g, key);
            for (Schema.Leaf leaf : projection) {
                checkValues(object, rg, g, leaf);
            }
            ColumnMetaData km =
                    Objects.requireNonNull(rg.getColumns().get(key.chunk()).getMeta_data());
            empty[g] = rows == 0;
            Statistics s = km.isSetStatistics() ? km.getStatistics() : null;
            if (s != null) {
                if (s.isSetNull_count() && s.getNull_count() == rows && key.maxDefinition() > 0) {
                    empty[g] = true;
                }
                mins[g] = statistic(
                        domain,
                        key,
                        trusted,
                        s.isSetMin_value() ? s.bufferForMin_value() : null,
                        s.isSetMin() ? s.bufferForMin() : null);
                maxs[g] = statistic(
                        domain,
                        key,
                        trusted,
                        s.isSetMax_value() ? s.bufferForMax_value() : null,
                        s.isSetMax() ? s.bufferForMax() : null);
            }
        }
        Object min = null;
        Object max = null;
        boolean complete = n > 0;
        for (int g = 0; g < n && complete; g++) {
            if (empty[g]) {
                continue;
            }
            if (mins[g] == null || maxs[g] == null) {
                complete = false;
                break;
            }
            min = min == null || domain.compare(mins[g], min) < 0 ? mins[g] : min;
            max = max == null || domain.compare(maxs[g], max) > 0 ? maxs[g] : max;
        }
        return new FileMeta(
                version,
                object,
                key,
                projection,
                domain,
                groups,
                first,
                new Pruner(domain, mins, maxs, empty),
                complete ? min : null,
                complete ? max : null,
                trusted,
                footer.getCreated_by(),
                256 + 4 * footerBytes);
    }

    private static Schema.Leaf column(String object, Schema schema, String name, String role) {
        Schema.Leaf leaf = schema.leaf(name);
        if (leaf != null) {
            return leaf;
        }
        throw new UnsupportedParquetException(
                object,
                schema.isNested(name)
                        ? role + " " + name + " is nested or repeated; only flat columns can be read"
                        : "no " + role + " " + name);
    }

    /** A flat column has one value (null or not) per row; a row count that disagrees is corrupt. */
    private static void checkValues(String object, RowGroup rg, int g, Schema.Leaf leaf) {
        long values = Objects.requireNonNull(Objects.requireNonNull(rg.getColumns())
                        .get(leaf.chunk())
                        .getMeta_data())
                .getNum_values();
        if (values != rg.getNum_rows()) {
            throw new CorruptParquetException(
                    object,
                    "row group " + g + " has " + rg.getNum_rows() + " rows but " + values + " values of flat column "
                            + leaf.name());
        }
    }

    private static void checkChunk(String object, long length, ColumnMetaData m) {
        long start = chunkStart(m);
        long size = m.getTotal_compressed_size();
        if (start < 0 || size < 0 || start > length || size > length - start) {
            throw new CorruptParquetException(
                    object, "column chunk at " + start + " of " + size + " bytes lies outside the object of " + length);
        }
        if (m.getCodec() == null) {
            throw new CorruptParquetException(object, "column chunk without a codec");
        }
    }

    /** Where a column chunk begins: its dictionary page if it has one before the data pages, else its first data page. */
    static long chunkStart(ColumnMetaData m) {
        long start = m.getData_page_offset();
        if (m.isSetDictionary_page_offset()
                && m.getDictionary_page_offset() > 0
                && m.getDictionary_page_offset() < start) {
            start = m.getDictionary_page_offset();
        }
        return start;
    }

    /**
     * A statistic in internal form: the current field if present; the deprecated one only for signed integers
     * (its order was signed for every type); binary statistics only if the writer declared the defined order.
     */
    private static @Nullable Object statistic(
            KeyDomain domain,
            Schema.Leaf key,
            boolean trusted,
            @Nullable ByteBuffer current,
            @Nullable ByteBuffer deprecated) {
        boolean integer = key.type() == org.apache.parquet.format.Type.INT32
                || key.type() == org.apache.parquet.format.Type.INT64;
        ByteBuffer raw = null;
        if (current != null && (integer || trusted)) {
            raw = current;
        } else if (deprecated != null && integer && !key.unsigned()) {
            raw = deprecated;
        }
        if (raw == null) {
            return null;
        }
        byte[] b = new byte[raw.remaining()];
        raw.duplicate().get(b);
        return domain.stat(b);
    }

    /** Whether the footer declares TYPE_DEFINED_ORDER for the key (without it, byte min/max may be signed). */
    static boolean trustedOrder(FileMetaData footer, Schema.Leaf key) {
        if (!footer.isSetColumn_orders()) {
            return false;
        }
        List<ColumnOrder> orders = footer.getColumn_orders();
        return orders != null
                && key.chunk() < orders.size()
                && orders.get(key.chunk()).isSetTYPE_ORDER();
    }

    /** Whether the key's statistics (row groups and column index) can be compared in the key's order. */
    boolean statisticsUsable() {
        return key.type() == org.apache.parquet.format.Type.INT32
                || key.type() == org.apache.parquet.format.Type.INT64
                || trustedOrder;
    }
}
