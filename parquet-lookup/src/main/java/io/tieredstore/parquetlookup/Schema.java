package io.tieredstore.parquetlookup;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.format.ConvertedType;
import org.apache.parquet.format.FieldRepetitionType;
import org.apache.parquet.format.LogicalType;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.TimeUnit;
import org.apache.parquet.format.Type;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Types;
import org.jspecify.annotations.Nullable;

/**
 * The top-level columns of a file's schema: the flat ones (a primitive, required or optional) with everything
 * needed to decode and type their values, and the names of the nested or repeated ones, which can't be read.
 *
 * <p>Leaves are numbered depth first, which is the order of a row group's column chunks.
 */
final class Schema {
    /** How a flat column's values are typed, from its logical or converted type (see {@link Row}). */
    enum Kind {
        BOOLEAN,
        INT,
        UINT32,
        LONG,
        FLOAT,
        DOUBLE,
        FLOAT16,
        STRING,
        BYTES,
        DATE,
        TIME_MILLIS,
        TIME_MICROS,
        TIME_NANOS,
        TIMESTAMP_MILLIS,
        TIMESTAMP_MICROS,
        TIMESTAMP_NANOS,
        INT96,
        DECIMAL,
        UUID
    }

    /**
     * One flat top-level column.
     *
     * @param name its name
     * @param chunk the index of its column chunk within a row group
     * @param type its physical type
     * @param maxDefinition 1 if optional, 0 if required
     * @param kind how its values are typed
     * @param unsigned whether integers are ordered as unsigned
     * @param scale a decimal's scale (0 otherwise)
     * @param utc whether a timestamp is adjusted to UTC (an {@code Instant}) or local
     * @param descriptor parquet-column's description, for its decoders
     */
    record Leaf(
            String name,
            int chunk,
            Type type,
            int maxDefinition,
            Kind kind,
            boolean unsigned,
            int scale,
            boolean utc,
            ColumnDescriptor descriptor) {}

    private static final int MAX_DEPTH = 64;

    private final Map<String, Leaf> flat;
    private final Set<String> nested;
    private final int leaves;

    private Schema(Map<String, Leaf> flat, Set<String> nested, int leaves) {
        this.flat = flat;
        this.nested = nested;
        this.leaves = leaves;
    }

    /** The flat top-level column {@code name}, or {@code null} if there is none. */
    @Nullable
    Leaf leaf(String name) {
        return flat.get(name);
    }

    /** Whether {@code name} is a top-level column that is nested or repeated. */
    boolean isNested(String name) {
        return nested.contains(name);
    }

    /** The number of leaf columns, which is the number of column chunks in each row group. */
    int leaves() {
        return leaves;
    }

    /**
     * Parses the flattened schema of a footer.
     *
     * @throws CorruptParquetException naming {@code object} if the tree is malformed
     */
    static Schema parse(String object, List<SchemaElement> elements) {
        if (elements.isEmpty()) {
            throw new CorruptParquetException(object, "empty schema");
        }
        SchemaElement root = elements.get(0);
        int children = root.isSetNum_children() ? root.getNum_children() : 0;
        Map<String, Leaf> flat = new HashMap<>();
        Set<String> nested = new HashSet<>();
        int[] cursor = {1};
        int[] leafCount = {0};
        for (int c = 0; c < children; c++) {
            if (cursor[0] >= elements.size()) {
                throw new CorruptParquetException(object, "schema ends inside the root's " + children + " children");
            }
            SchemaElement e = elements.get(cursor[0]);
            boolean group = e.isSetNum_children() || !e.isSetType();
            if (group || e.getRepetition_type() == FieldRepetitionType.REPEATED) {
                nested.add(e.getName());
                skip(object, elements, cursor, leafCount, 0);
            } else {
                flat.put(e.getName(), leaf(object, e, leafCount[0]));
                cursor[0]++;
                leafCount[0]++;
            }
        }
        if (cursor[0] != elements.size()) {
            throw new CorruptParquetException(
                    object, "schema has " + (elements.size() - cursor[0]) + " elements outside the tree");
        }
        return new Schema(flat, nested, leafCount[0]);
    }

    /** Skips the subtree at the cursor, counting its leaves. */
    private static void skip(String object, List<SchemaElement> elements, int[] cursor, int[] leaves, int depth) {
        if (depth > MAX_DEPTH) {
            throw new CorruptParquetException(object, "schema nested deeper than " + MAX_DEPTH);
        }
        if (cursor[0] >= elements.size()) {
            throw new CorruptParquetException(object, "schema ends inside a group");
        }
        SchemaElement e = elements.get(cursor[0]++);
        if (e.isSetNum_children()) {
            int n = e.getNum_children();
            if (n < 0 || n > elements.size()) {
                throw new CorruptParquetException(object, "group " + e.getName() + " claims " + n + " children");
            }
            for (int i = 0; i < n; i++) {
                skip(object, elements, cursor, leaves, depth + 1);
            }
        } else if (e.isSetType()) {
            leaves[0]++;
        }
    }

    private static Leaf leaf(String object, SchemaElement e, int chunk) {
        Type type = e.getType();
        boolean optional = e.getRepetition_type() != FieldRepetitionType.REQUIRED;
        int length = e.isSetType_length() ? e.getType_length() : 0;
        if (type == Type.FIXED_LEN_BYTE_ARRAY && (length <= 0 || length > (1 << 24))) {
            throw new CorruptParquetException(object, "column " + e.getName() + " has fixed length " + length);
        }
        if (type == null) {
            throw new CorruptParquetException(object, "column " + e.getName() + " has no type");
        }
        Kind kind = kind(e, type);
        boolean unsigned = unsigned(e);
        int scale = kind == Kind.DECIMAL ? scale(object, e) : 0;
        if (scale < 0 || scale > 1000) {
            throw new CorruptParquetException(object, "decimal " + e.getName() + " has scale " + scale);
        }
        PrimitiveType.PrimitiveTypeName physical = type == Type.BYTE_ARRAY
                ? PrimitiveType.PrimitiveTypeName.BINARY
                : PrimitiveType.PrimitiveTypeName.valueOf(type.name());
        Types.PrimitiveBuilder<PrimitiveType> builder = Types.primitive(
                physical,
                optional
                        ? org.apache.parquet.schema.Type.Repetition.OPTIONAL
                        : org.apache.parquet.schema.Type.Repetition.REQUIRED);
        if (type == Type.FIXED_LEN_BYTE_ARRAY) {
            builder = builder.length(length);
        }
        String name = CorruptParquetException.required(object, e.getName(), "a column's name");
        PrimitiveType primitive = builder.named(name);
        ColumnDescriptor descriptor = new ColumnDescriptor(new String[] {name}, primitive, 0, optional ? 1 : 0);
        return new Leaf(name, chunk, type, optional ? 1 : 0, kind, unsigned, scale, utc(e), descriptor);
    }

    private static Kind kind(SchemaElement e, Type type) {
        LogicalType logical = e.isSetLogicalType() ? e.getLogicalType() : null;
        ConvertedType converted = e.isSetConverted_type() ? e.getConverted_type() : null;
        boolean decimal = (logical != null && logical.isSetDECIMAL()) || converted == ConvertedType.DECIMAL;
        return switch (type) {
            case BOOLEAN -> Kind.BOOLEAN;
            case FLOAT -> Kind.FLOAT;
            case DOUBLE -> Kind.DOUBLE;
            case INT96 -> Kind.INT96;
            case INT32 -> decimal ? Kind.DECIMAL : int32(logical, converted);
            case INT64 -> decimal ? Kind.DECIMAL : int64(logical, converted);
            case BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY -> decimal ? Kind.DECIMAL : bytes(e, type, logical, converted);
        };
    }

    private static Kind int32(@Nullable LogicalType logical, @Nullable ConvertedType converted) {
        if ((logical != null && logical.isSetDATE()) || converted == ConvertedType.DATE) {
            return Kind.DATE;
        }
        if ((logical != null && logical.isSetTIME()) || converted == ConvertedType.TIME_MILLIS) {
            return Kind.TIME_MILLIS;
        }
        boolean unsigned32 = logical != null
                && logical.isSetINTEGER()
                && !logical.getINTEGER().isIsSigned()
                && logical.getINTEGER().getBitWidth() == 32;
        return converted == ConvertedType.UINT_32 || unsigned32 ? Kind.UINT32 : Kind.INT;
    }

    private static Kind int64(@Nullable LogicalType logical, @Nullable ConvertedType converted) {
        if (logical != null && logical.isSetTIMESTAMP()) {
            TimeUnit unit = unit(logical.getTIMESTAMP().getUnit());
            return unit.isSetMILLIS()
                    ? Kind.TIMESTAMP_MILLIS
                    : unit.isSetMICROS() ? Kind.TIMESTAMP_MICROS : Kind.TIMESTAMP_NANOS;
        }
        if (logical != null && logical.isSetTIME()) {
            TimeUnit unit = unit(logical.getTIME().getUnit());
            return unit.isSetMICROS() ? Kind.TIME_MICROS : Kind.TIME_NANOS;
        }
        if (converted == ConvertedType.TIMESTAMP_MILLIS) {
            return Kind.TIMESTAMP_MILLIS;
        }
        if (converted == ConvertedType.TIMESTAMP_MICROS) {
            return Kind.TIMESTAMP_MICROS;
        }
        return converted == ConvertedType.TIME_MICROS ? Kind.TIME_MICROS : Kind.LONG;
    }

    private static Kind bytes(
            SchemaElement e, Type type, @Nullable LogicalType logical, @Nullable ConvertedType converted) {
        boolean text = (logical != null && (logical.isSetSTRING() || logical.isSetENUM() || logical.isSetJSON()))
                || converted == ConvertedType.UTF8
                || converted == ConvertedType.ENUM
                || converted == ConvertedType.JSON;
        if (text) {
            return Kind.STRING;
        }
        boolean fixed = type == Type.FIXED_LEN_BYTE_ARRAY;
        if (fixed && logical != null && logical.isSetUUID() && e.getType_length() == 16) {
            return Kind.UUID;
        }
        if (fixed && logical != null && logical.isSetFLOAT16() && e.getType_length() == 2) {
            return Kind.FLOAT16;
        }
        return Kind.BYTES;
    }

    /** A time unit, which a TIME or TIMESTAMP type must have (the footer's parser maps this to a corrupt file). */
    private static TimeUnit unit(@Nullable TimeUnit unit) {
        if (unit == null) {
            throw new IllegalArgumentException("a time or timestamp type without a unit");
        }
        return unit;
    }

    private static boolean unsigned(SchemaElement e) {
        LogicalType logical = e.getLogicalType();
        if (logical != null && logical.isSetINTEGER()) {
            return !logical.getINTEGER().isIsSigned();
        }
        ConvertedType c = e.isSetConverted_type() ? e.getConverted_type() : null;
        return c == ConvertedType.UINT_8
                || c == ConvertedType.UINT_16
                || c == ConvertedType.UINT_32
                || c == ConvertedType.UINT_64;
    }

    /** A decimal's scale, which the logical type and the legacy fields must agree on when both are given. */
    private static int scale(String object, SchemaElement e) {
        LogicalType type = e.getLogicalType();
        boolean logical = type != null && type.isSetDECIMAL();
        boolean legacy = e.isSetConverted_type() && e.getConverted_type() == ConvertedType.DECIMAL;
        if (type != null && logical) {
            int scale = type.getDECIMAL().getScale();
            int precision = type.getDECIMAL().getPrecision();
            if (legacy
                    && ((e.isSetScale() && e.getScale() != scale)
                            || (e.isSetPrecision() && e.getPrecision() != precision))) {
                throw new CorruptParquetException(
                        object, "decimal " + e.getName() + " has two different scales or precisions");
            }
            return checked(object, e, scale, precision);
        }
        if (!e.isSetScale() || !e.isSetPrecision()) {
            throw new CorruptParquetException(object, "decimal " + e.getName() + " without a scale and precision");
        }
        return checked(object, e, e.getScale(), e.getPrecision());
    }

    private static int checked(String object, SchemaElement e, int scale, int precision) {
        if (precision <= 0 || scale < 0 || scale > precision) {
            throw new CorruptParquetException(
                    object, "decimal " + e.getName() + " has precision " + precision + " and scale " + scale);
        }
        return scale;
    }

    private static boolean utc(SchemaElement e) {
        LogicalType logical = e.getLogicalType();
        if (logical != null && logical.isSetTIMESTAMP()) {
            return logical.getTIMESTAMP().isIsAdjustedToUTC();
        }
        return true; // converted TIMESTAMP_* and INT96 are instants
    }
}
