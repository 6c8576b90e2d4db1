package io.tieredstore.testfixtures.parquet;

import java.util.Map;
import java.util.OptionalLong;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.RecordConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Writes a {@link ParquetTable}: each record is a row number, turned into cells straight into the record consumer.
 * With a key shift, every (INT64) key written is offset by it, as {@link PartitionedTable} writes its parts; such a
 * file records the shift in its key-value metadata and carries the partitioned table's writer name. Both
 * {@code init} overloads and both {@code getWriteSupport} overloads are implemented so that parquet-java never
 * falls back to its Hadoop {@code Configuration} path; the Hadoop-typed overloads are only linked, never called.
 */
final class TableWriteSupport extends WriteSupport<Long> {
    private final ParquetTable table;
    /** Added to every key written, or empty for the table as it is. */
    private final OptionalLong keyShift;

    private @Nullable RecordConsumer consumer;

    TableWriteSupport(ParquetTable table, OptionalLong keyShift) {
        this.table = table;
        this.keyShift = keyShift;
    }

    @Override
    public WriteContext init(ParquetConfiguration configuration) {
        return context();
    }

    /**
     * Abstract in parquet-java, so it must exist; never called here.
     *
     * @deprecated parquet-java's Hadoop entry point; {@link #init(ParquetConfiguration)} is the one used.
     */
    @Deprecated
    @Override
    public WriteContext init(org.apache.hadoop.conf.Configuration configuration) {
        return context();
    }

    private WriteContext context() {
        String description = keyShift.isPresent() ? table + ", keyShift=" + keyShift.getAsLong() : table.toString();
        return new WriteContext(table.schema(), Map.of("tieredstore.table", description));
    }

    @Override
    public String getName() {
        return keyShift.isPresent() ? "tieredstore-partitioned-table" : "tieredstore-parquet-table";
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
        this.consumer = recordConsumer;
    }

    @Override
    public void write(Long row) {
        RecordConsumer out = consumer;
        if (out == null) {
            throw new IllegalStateException("prepareForWrite was not called");
        }
        table.writeRow(row, keyShift.orElse(0), out);
    }

    /** A {@link ParquetWriter} builder for a table, its keys shifted by {@code keyShift} if present. */
    static final class Builder extends ParquetWriter.Builder<Long, Builder> {
        private final ParquetTable table;
        private final OptionalLong keyShift;

        Builder(OutputFile file, ParquetTable table, OptionalLong keyShift) {
            super(file);
            this.table = table;
            this.keyShift = keyShift;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<Long> getWriteSupport(ParquetConfiguration conf) {
            return new TableWriteSupport(table, keyShift);
        }

        /**
         * Abstract in parquet-java, so it must exist; never called here.
         *
         * @deprecated parquet-java's Hadoop entry point; {@link #getWriteSupport(ParquetConfiguration)} is used.
         */
        @Deprecated
        @Override
        protected WriteSupport<Long> getWriteSupport(org.apache.hadoop.conf.Configuration conf) {
            return new TableWriteSupport(table, keyShift);
        }
    }
}
