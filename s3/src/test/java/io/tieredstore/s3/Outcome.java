package io.tieredstore.s3;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * What a call returned or threw, in comparable form: every modelled response field, the HTTP status and
 * headers (but {@code Date} and the connection's own headers), the body; or the exception's type, status,
 * S3 error code, error message and message.
 */
final class Outcome {
    private final String kind;
    private final Map<String, String> fields;
    private final byte[] body;

    private Outcome(String kind, Map<String, String> fields, byte[] body) {
        this.kind = kind;
        this.fields = fields;
        this.body = body;
    }

    /** The response class or exception class. */
    String kind() {
        return kind;
    }

    /** The compared fields, by name. */
    Map<String, String> fields() {
        return fields;
    }

    /**
     * Headers that differ between any two responses of the same server, by nature: the time, and the
     * hop-by-hop headers of the connection that carried the response (whether the server keeps it open),
     * which describe no object.
     */
    private static final java.util.Set<String> PER_RESPONSE_HEADERS =
            java.util.Set.of("date", "connection", "keep-alive");

    /** A response with a body. */
    static Outcome of(SdkResponse response, byte[] body) {
        Map<String, String> fields = new TreeMap<>();
        for (SdkField<?> f : response.sdkFields()) {
            Object v = f.getValueOrDefault(response);
            if (v != null && !(v instanceof Map<?, ?> m && m.isEmpty())) {
                fields.put(f.memberName(), String.valueOf(v));
            }
        }
        SdkHttpResponse http = response.sdkHttpResponse();
        fields.put("http.status", Integer.toString(http.statusCode()));
        fields.put("http.statusText", String.valueOf(http.statusText().orElse(null)));
        http.headers().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!PER_RESPONSE_HEADERS.contains(lower)) {
                fields.put("header." + lower, String.valueOf(values));
            }
        });
        return new Outcome(response.getClass().getSimpleName(), fields, body);
    }

    /** An exception. */
    static Outcome of(RuntimeException e) {
        Map<String, String> fields = new TreeMap<>();
        // The fault layer gives each error a request id of its own.
        fields.put("message", String.valueOf(e.getMessage()).replaceAll("Request ID: [^,)]+", "Request ID: <id>"));
        if (e instanceof AwsServiceException s) {
            fields.put("status", Integer.toString(s.statusCode()));
            fields.put(
                    "errorCode",
                    s.awsErrorDetails() == null ? "null" : s.awsErrorDetails().errorCode());
            fields.put(
                    "errorMessage",
                    s.awsErrorDetails() == null ? "null" : s.awsErrorDetails().errorMessage());
        }
        Throwable cause = e.getCause();
        fields.put("cause", cause == null ? "null" : cause.getClass().getName());
        return new Outcome(e.getClass().getName(), fields, new byte[0]);
    }

    /** Runs {@code call}, capturing its outcome. */
    static Outcome capture(Supplier<Outcome> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            return of(e);
        }
    }

    /** Whether it is a response (not an exception). */
    boolean ok() {
        return kind.endsWith("Response");
    }

    /** The differences to {@code other}, empty if none. */
    String diff(Outcome other) {
        StringBuilder out = new StringBuilder();
        if (!kind.equals(other.kind)) {
            out.append(" kind: ").append(kind).append(" != ").append(other.kind).append(';');
        }
        Map<String, String> all = new TreeMap<>(fields);
        other.fields.forEach(all::putIfAbsent);
        for (String k : all.keySet()) {
            String a = fields.get(k);
            String b = other.fields.get(k);
            if (!java.util.Objects.equals(a, b)) {
                out.append(' ')
                        .append(k)
                        .append(": ")
                        .append(a)
                        .append(" != ")
                        .append(b)
                        .append(';');
            }
        }
        if (!java.util.Arrays.equals(body, other.body)) {
            out.append(" body: ")
                    .append(body.length)
                    .append(" bytes != ")
                    .append(other.body.length)
                    .append(" bytes (or content);");
        }
        return out.toString();
    }
}
