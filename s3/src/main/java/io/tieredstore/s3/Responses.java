package io.tieredstore.s3;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * Builds the GET response S3 would send for a range of an object from the object's HEAD response, and the
 * HEAD response from a GET's.
 */
final class Responses {
    /*
     * A GET and a HEAD of the same object carry the same headers, except that a GET carries the length and
     * range of its body, and no checksum headers unless the request enabled checksum mode (those requests are
     * not served from the cache). Every modelled field that GetObjectResponse shares with HeadObjectResponse
     * (same member name and type) is copied, so fields added to both models later are copied too; the raw
     * HTTP response (headers, status) is rewritten to match.
     */

    private static final int OK = 200;
    private static final int PARTIAL_CONTENT = 206;
    private static final String CHECKSUM_HEADER_PREFIX = "x-amz-checksum-";
    private static final Set<String> NOT_COPIED = Set.of("ContentLength", "ContentRange");

    /** GetObjectResponse fields and the HeadObjectResponse field each is copied from. */
    private static final List<Map.Entry<SdkField<?>, SdkField<?>>> COPIED = copiedFields();

    private Responses() {}

    /** The response to a GET of {@code range} of an object of {@code size} bytes whose HEAD was {@code head}. */
    static GetObjectResponse get(HeadObjectResponse head, ByteRange range, long size) {
        GetObjectResponse.Builder b = GetObjectResponse.builder();
        for (Map.Entry<SdkField<?>, SdkField<?>> e : COPIED) {
            Object value = e.getValue().getValueOrDefault(head);
            if (value != null) {
                e.getKey().set(b, value);
            }
        }
        b.contentLength(range.length());
        SdkHttpResponse http = head.sdkHttpResponse();
        SdkHttpResponse.Builder h = http.toBuilder();
        for (String name : http.headers().keySet()) {
            if (name.toLowerCase(Locale.ROOT).startsWith(CHECKSUM_HEADER_PREFIX)) {
                h.removeHeader(name);
            }
        }
        h.putHeader("Content-Length", Long.toString(range.length()));
        if (range.partial()) {
            String contentRange = range.contentRange(size);
            b.contentRange(contentRange);
            h.putHeader("Content-Range", contentRange).statusCode(PARTIAL_CONTENT);
        } else {
            h.statusCode(OK);
        }
        b.sdkHttpResponse(h.build());
        b.responseMetadata(head.responseMetadata());
        return b.build();
    }

    /**
     * The response to a HEAD of an object of {@code size} bytes, from the response to a GET of it (of any
     * range): the same fields and headers but the body's length and range.
     */
    static HeadObjectResponse head(GetObjectResponse get, long size) {
        HeadObjectResponse.Builder b = HeadObjectResponse.builder();
        for (Map.Entry<SdkField<?>, SdkField<?>> e : COPIED) {
            Object value = e.getKey().getValueOrDefault(get);
            if (value != null) {
                e.getValue().set(b, value);
            }
        }
        b.contentLength(size);
        SdkHttpResponse http = get.sdkHttpResponse();
        SdkHttpResponse.Builder h = http.toBuilder();
        for (String name : http.headers().keySet()) {
            if (name.equalsIgnoreCase("Content-Range") || name.equalsIgnoreCase("Content-Length")) {
                h.removeHeader(name);
            }
        }
        h.putHeader("Content-Length", Long.toString(size)).statusCode(OK);
        b.sdkHttpResponse(h.build());
        b.responseMetadata(get.responseMetadata());
        return b.build();
    }

    private static List<Map.Entry<SdkField<?>, SdkField<?>>> copiedFields() {
        Map<String, SdkField<?>> headFields = new HashMap<>();
        for (SdkField<?> f : HeadObjectResponse.builder().sdkFields()) {
            headFields.put(f.memberName(), f);
        }
        List<Map.Entry<SdkField<?>, SdkField<?>>> copied = new ArrayList<>();
        for (SdkField<?> f : GetObjectResponse.builder().sdkFields()) {
            SdkField<?> from = headFields.get(f.memberName());
            if (from != null
                    && !NOT_COPIED.contains(f.memberName())
                    && !f.memberName().startsWith("Checksum")
                    && from.marshallingType().equals(f.marshallingType())) {
                copied.add(Map.entry(f, from));
            }
        }
        return List.copyOf(copied);
    }
}
