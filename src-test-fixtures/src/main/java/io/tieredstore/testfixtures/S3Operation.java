package io.tieredstore.testfixtures;

import java.net.URI;
import java.util.Locale;

/** The kind of S3 request that reached the origin, as the fault layer classifies it (path-style addressing). */
public enum S3Operation {
    /** {@code GET} of a whole object. */
    GET,
    /** {@code GET} of an object with a {@code Range} header. */
    RANGED_GET,
    /** {@code HEAD} of an object. */
    HEAD,
    /** {@code PUT} of an object. */
    PUT,
    /** {@code PUT} with {@code x-amz-copy-source}. */
    COPY,
    /** Listings: objects, versions, multipart uploads, parts. */
    LIST,
    /** {@code DeleteObject} and {@code DeleteObjects}. */
    DELETE,
    /** Multipart upload steps: create, upload part, complete, abort. */
    MULTIPART,
    /** Bucket-level calls other than listings (create, delete, head bucket, ...). */
    BUCKET,
    /** Anything else. */
    OTHER;

    /** Classifies a request from its method, URI (path style) and two headers. */
    static S3Operation classify(String method, String uri, boolean hasRange, boolean hasCopySource) {
        URI parsed = URI.create(uri);
        String path = parsed.getRawPath() == null ? "/" : parsed.getRawPath();
        String query = parsed.getRawQuery() == null ? "" : parsed.getRawQuery();
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        int slash = trimmed.indexOf('/');
        boolean objectLevel = slash >= 0 && slash < trimmed.length() - 1;
        boolean multipart = hasQueryParam(query, "uploadId") || hasQueryParam(query, "uploads");
        return switch (method.toUpperCase(Locale.ROOT)) {
            case "GET" -> {
                if (objectLevel) {
                    yield multipart ? LIST : hasRange ? RANGED_GET : GET; // multipart GET: ListParts
                }
                yield query.isEmpty() || isListing(query) ? LIST : BUCKET;
            }
            case "HEAD" -> objectLevel ? HEAD : BUCKET;
            case "PUT" -> !objectLevel ? BUCKET : multipart ? MULTIPART : hasCopySource ? COPY : PUT;
            case "POST" -> hasQueryParam(query, "delete") ? DELETE : multipart ? MULTIPART : OTHER;
            case "DELETE" -> multipart ? MULTIPART : objectLevel ? DELETE : BUCKET;
            default -> OTHER;
        };
    }

    private static boolean isListing(String query) {
        return hasQueryParam(query, "list-type")
                || hasQueryParam(query, "versions")
                || hasQueryParam(query, "uploads")
                || hasQueryParam(query, "prefix")
                || hasQueryParam(query, "delimiter")
                || hasQueryParam(query, "marker")
                || hasQueryParam(query, "max-keys");
    }

    private static boolean hasQueryParam(String query, String name) {
        for (String part : query.split("&", -1)) {
            int eq = part.indexOf('=');
            String key = eq < 0 ? part : part.substring(0, eq);
            if (key.equals(name)) {
                return true;
            }
        }
        return false;
    }
}
