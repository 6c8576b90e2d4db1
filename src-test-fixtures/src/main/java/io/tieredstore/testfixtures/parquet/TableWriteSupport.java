package io.tieredstore.testfixtures.parquet;

import java.util.Map;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.RecordConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Writes a {@link ParquetTable}: each record is a row number, turned into cells straight into the record consumer.
 * Both {@code init} overloads and both {@code getWriteSupport} overloads are implemented so that parquet-java never
 * falls back to its Hadoop {@code Configuration} path; the Hadoop-typed overloads are only linked, never called.
 */
final class TableWriteSupport extends WriteSupport<Long> {
    private final ParquetTable table;
    private @Nullable RecordConsumer consumer;

    TableWriteSupport(ParquetTable table) {
        this.table = table;
    }

    @Override
    public WriteContext init(ParquetConfiguration configuration) {
        return new WriteContext(table.schema(), Map.of("tieredstore.table", table.toString()));
    }

    /**
     * Abstract in parquet-java, so it must exist; never called here.
     *
     * @deprecated parquet-java's Hadoop entry point; {@link #init(ParquetConfiguration)} is the one used.
     */
    @Deprecated
    @Override
    public WriteContext init(org.apache.hadoop.conf.Configuration configuration) {
        return new WriteContext(table.schema(), Map.of("tieredstore.table", table.toString()));
    }

    @Override
    public String getName() {
        return "tieredstore-parquet-table";
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
        table.writeRow(row, out);
    }

    /** A {@link ParquetWriter} builder for a table. */
    static final class Builder extends ParquetWriter.Builder<Long, Builder> {
        private final ParquetTable table;

        Builder(OutputFile file, ParquetTable table) {
            super(file);
            this.table = table;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<Long> getWriteSupport(ParquetConfiguration conf) {
            return new TableWriteSupport(table);
        }

        /**
         * Abstract in parquet-java, so it must exist; never called here.
         *
         * @deprecated parquet-java's Hadoop entry point; {@link #getWriteSupport(ParquetConfiguration)} is used.
         */
        @Deprecated
        @Override
        protected WriteSupport<Long> getWriteSupport(org.apache.hadoop.conf.Configuration conf) {
            return new TableWriteSupport(table);
        }
    }
}
