package io.tieredstore.parquetlookup;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.schema.PrimitiveType;

/**
 * The second reference reader: DuckDB over the local copies of the objects (it cannot read {@code s3://} here).
 * Values come back in the canonical text form of {@link ParquetValues#canonical}, keyed by file and row number.
 */
final class DuckDbReference implements AutoCloseable {
    private final Connection connection;

    DuckDbReference() throws SQLException {
        this.connection = DriverManager.getConnection("jdbc:duckdb:");
    }

    /** Rows of one file: row number (0-based) to the canonical values of the asked columns. */
    record FileRows(Map<Long, List<String>> rows) {}

    /**
     * Every row of {@code files} ({@code read_parquet} with {@code filename} and {@code file_row_number}), the
     * values of {@code columns} (of Parquet types {@code types}) in canonical form, grouped by file.
     */
    Map<Path, FileRows> readAll(List<Path> files, List<String> columns, List<PrimitiveType> types) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT filename, file_row_number");
        for (String c : columns) {
            sql.append(", ").append(quoteIdentifier(c));
        }
        sql.append(" FROM read_parquet([");
        for (int i = 0; i < files.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(quoteString(files.get(i).toString()));
        }
        sql.append("], filename = true, file_row_number = true)");
        Map<String, Path> byName = new HashMap<>();
        Map<Path, FileRows> out = new HashMap<>();
        for (Path f : files) {
            byName.put(f.toString(), f);
            out.put(f, new FileRows(new HashMap<>()));
        }
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery(sql.toString())) {
            while (rs.next()) {
                Path file = byName.get(rs.getString(1));
                if (file == null) {
                    throw new SQLException("DuckDB returned a row of an unknown file " + rs.getString(1));
                }
                long row = rs.getLong(2);
                List<String> values = new ArrayList<>(columns.size());
                for (int i = 0; i < columns.size(); i++) {
                    values.add(ParquetValues.canonical(types.get(i), rs.getObject(3 + i)));
                }
                if (out.get(file).rows().put(row, values) != null) {
                    throw new SQLException("DuckDB returned row " + row + " of " + file + " twice");
                }
            }
        }
        return out;
    }

    /** Runs one statement that returns no rows (a {@code COPY ... TO} writing a test file, for instance). */
    void execute(String sql) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
        }
    }

    /** The first column of every row of {@code sql}, as longs. */
    List<Long> longs(String sql) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        return out;
    }

    static String quoteIdentifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    static String quoteString(String s) {
        return '\'' + s.replace("'", "''") + '\'';
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
