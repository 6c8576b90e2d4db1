package io.tieredstore.s3;

import static io.tieredstore.core.internal.Checks.requireArgument;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.tieredstore.core.ObjectChangedException;
import io.tieredstore.core.ObjectId;
import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.Origin;
import io.tieredstore.core.OriginRead;
import io.tieredstore.core.ReadRange;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The S3 {@link Origin}: versions come from {@code HeadObject}, pages from ranged {@code GetObject}s that
 * carry {@code If-Match} with the version's ETag, through the application's own {@link S3Client}.
 *
 * <p>Wiring, with the caching client that shares it:
 *
 * <pre>{@code
 * S3Client s3 = S3Client.create();                      // the application's client
 * S3Origin origin = S3Origin.create(s3);
 * TieredStore store = TieredStore.builder().origin(origin).tier(memoryTier).build();
 * S3Client cached = CachingS3Client.create(store, origin);
 * }</pre>
 *
 * <p>Thread safety: all methods may be called by any number of threads.
 */
public final class S3Origin implements Origin {
    /*
     * Design notes.
     *
     * Version strings. A read of the current object is keyed by its ETag, exactly as S3 returns it (quoted).
     * A read that names a versionId is keyed by "vid:<n>:<versionId><etag>" (n = the versionId's length), so
     * the two never collide (S3 ETags start with a quote) and fetch() can recover both parts: it sends the
     * versionId and If-Match with the ETag.
     *
     * Metadata. The caching client must answer GETs and HEADs with the object's headers (content type, user
     * metadata, last-modified, ...), so every HEAD this origin makes is remembered by the ObjectVersion it
     * produced, in a bounded Caffeine cache. A version whose headers were evicted is looked up again with a
     * HEAD carrying If-Match; a 412 there means the version is gone (ObjectChangedException).
     *
     * Versions named by versionId never change, so they are remembered in a second bounded cache and
     * re-checked only when the caller asks (STRICT consistency) or after an ObjectChangedException.
     *
     * Errors. Everything the client throws (NoSuchKey, 403, throttling after the client's own retries) is
     * rethrown as is. The only translation: 412 PreconditionFailed on a fill, or a response whose ETag is not
     * the expected one, becomes ObjectChangedException. isUnavailable() tells the store which failures mean
     * S3 could not answer (5xx, timeouts, no connection) rather than that it said no.
     */

    /** The default number of object versions whose headers are remembered. */
    static final long DEFAULT_MAX_HEADS = 10_000;

    private static final String VERSION_ID_PREFIX = "vid:";
    private static final int PRECONDITION_FAILED = 412;
    private static final int SERVER_ERROR = 500;

    private final S3Client client;
    private final String id;
    private final Cache<ObjectVersion, Head> heads;
    private final Cache<VersionIdKey, ObjectVersion> byVersionId;

    /** A version's headers, and whether they came from a HEAD (else from a GET, which lacks HEAD-only headers). */
    private record Head(HeadObjectResponse response, boolean fromHead) {}

    /** (bucket, key, versionId). */
    private record VersionIdKey(String bucket, String key, String versionId) {}

    private S3Origin(S3Client client, String id, long maxHeads) {
        this.client = Objects.requireNonNull(client, "client");
        this.id = Objects.requireNonNull(id, "id");
        requireArgument(maxHeads > 0, "max heads must be positive: %s", maxHeads);
        this.heads = Caffeine.newBuilder()
                .maximumSize(maxHeads)
                .executor(Runnable::run)
                .build();
        this.byVersionId = Caffeine.newBuilder()
                .maximumSize(maxHeads)
                .executor(Runnable::run)
                .build();
    }

    /** An origin named "s3" that reads through {@code client}, remembering the headers of 10,000 versions. */
    public static S3Origin create(S3Client client) {
        return new S3Origin(client, "s3", DEFAULT_MAX_HEADS);
    }

    /**
     * An origin named {@code id} (part of every page key: give each S3 endpoint or account its own) that
     * reads through {@code client} and remembers the headers of at most {@code maxHeads} object versions.
     */
    public static S3Origin create(S3Client client, String id, long maxHeads) {
        return new S3Origin(client, id, maxHeads);
    }

    @Override
    public String id() {
        return id;
    }

    /** Sends a HEAD for the current version; its ETag is the version, its headers are remembered. */
    @Override
    public ObjectVersion stat(String bucket, String key) {
        HeadObjectResponse head = client.headObject(
                HeadObjectRequest.builder().bucket(bucket).key(key).build());
        ObjectVersion v = new ObjectVersion(new ObjectId(id, bucket, key), eTagOf(head), lengthOf(head));
        heads.put(v, new Head(head, true));
        return v;
    }

    /** Sends a ranged GET with {@code If-Match} (and the versionId, if the version names one). */
    @Override
    public ByteBuffer fetch(ObjectVersion version, long offset, int length) {
        ResponseBytes<GetObjectResponse> bytes;
        try {
            bytes = client.getObject(fill(version, offset, length), ResponseTransformer.toBytes());
        } catch (S3Exception e) {
            throw e.statusCode() == PRECONDITION_FAILED ? changed(version, null, e) : e;
        }
        checkFill(version, bytes.response());
        return bytes.asByteBuffer();
    }

    /**
     * Sends one GET of the current object, without {@code If-Match}, for {@code range}; the version is the
     * answer's ETag, its length comes from Content-Range (or Content-Length without a range), and its headers
     * are remembered as a HEAD's would be. S3's errors (404, 403, 416 for a range past the end) are thrown as
     * they are.
     */
    @Override
    public OriginRead read(String bucket, String key, ReadRange range) {
        GetObjectRequest.Builder request =
                GetObjectRequest.builder().bucket(bucket).key(key);
        String header = rangeHeader(range);
        if (header != null) {
            request.range(header);
        }
        ResponseInputStream<GetObjectResponse> in = client.getObject(request.build());
        GetObjectResponse response = in.response();
        String eTag = response.eTag();
        Long contentLength = response.contentLength();
        if (eTag == null || contentLength == null) {
            in.abort();
            throw new IllegalStateException("S3 returned no ETag or Content-Length for a GET: " + response);
        }
        long offset = 0;
        long size = contentLength;
        String contentRange = response.contentRange();
        if (contentRange != null) {
            long[] parsed = parseContentRange(contentRange);
            if (parsed == null || parsed[1] - parsed[0] + 1 != contentLength) {
                in.abort();
                throw new IllegalStateException("S3 returned an unreadable Content-Range: " + contentRange);
            }
            offset = parsed[0];
            size = parsed[2];
        }
        ObjectVersion v = new ObjectVersion(new ObjectId(id, bucket, key), eTag, size);
        heads.asMap().putIfAbsent(v, new Head(Responses.head(response, size), false));
        return new OriginRead(v, offset, contentLength, new Body(in, contentLength));
    }

    /** Sends one ranged GET with {@code If-Match} (and the versionId, if the version names one), read as it arrives. */
    @Override
    public InputStream stream(ObjectVersion version, long offset, long length) {
        ResponseInputStream<GetObjectResponse> in;
        try {
            in = client.getObject(fill(version, offset, length));
        } catch (S3Exception e) {
            throw e.statusCode() == PRECONDITION_FAILED ? changed(version, null, e) : e;
        }
        try {
            checkFill(version, in.response());
        } catch (RuntimeException e) {
            in.abort();
            throw e;
        }
        return new Body(in, length);
    }

    /** A GET of {@code length} bytes at {@code offset} of exactly {@code version}. */
    private static GetObjectRequest fill(ObjectVersion version, long offset, long length) {
        GetObjectRequest.Builder request = GetObjectRequest.builder()
                .bucket(version.id().bucket())
                .key(version.id().key())
                .range("bytes=" + offset + "-" + (offset + length - 1))
                .ifMatch(eTag(version));
        String versionId = versionId(version);
        if (versionId != null) {
            request.versionId(versionId);
        }
        return request.build();
    }

    /** Refuses the answer to a fill if it is of another version than {@code version}. */
    private static void checkFill(ObjectVersion version, GetObjectResponse response) {
        if (!eTag(version).equals(response.eTag())) {
            throw new ObjectChangedException(version, response.eTag());
        }
        String range = response.contentRange();
        if (range != null && !range.endsWith("/" + version.length())) {
            throw new ObjectChangedException(version, response.eTag());
        }
    }

    /** The Range header for {@code range}; null for the whole object (which an empty object answers too). */
    static @Nullable String rangeHeader(ReadRange range) {
        if (range.suffix()) {
            return "bytes=-" + range.length();
        }
        if (!range.bounded()) {
            return range.offset() == 0 ? null : "bytes=" + range.offset() + "-";
        }
        return "bytes=" + range.offset() + "-" + (range.offset() + range.length() - 1);
    }

    /** {first, last, size} of a Content-Range value "bytes first-last/size"; null if it is not one. */
    static long @Nullable [] parseContentRange(String value) {
        if (!value.startsWith("bytes ")) {
            return null;
        }
        int dash = value.indexOf('-');
        int slash = value.indexOf('/');
        if (dash < 0 || slash < dash) {
            return null;
        }
        try {
            long first = Long.parseLong(value.substring(6, dash));
            long last = Long.parseLong(value.substring(dash + 1, slash));
            long size = Long.parseLong(value.substring(slash + 1));
            return first <= last && last < size ? new long[] {first, last, size} : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * A GET's body handed to the store: closing it before its end aborts the connection rather than reading
     * the rest of a body no one wants, as the SDK advises.
     */
    private static final class Body extends InputStream {
        private final ResponseInputStream<GetObjectResponse> in;
        private long left;

        Body(ResponseInputStream<GetObjectResponse> in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            if (left > 0) {
                in.abort();
            }
            in.close();
        }
    }

    /**
     * True for a 5xx answer, an SDK call or attempt timeout, and an I/O failure to connect or a socket
     * timeout under an SDK client exception; false for every other failure, which is S3's answer.
     */
    @Override
    public boolean isUnavailable(RuntimeException failure) {
        if (failure instanceof SdkServiceException e) {
            return e.statusCode() >= SERVER_ERROR;
        }
        if (failure instanceof ApiCallTimeoutException || failure instanceof ApiCallAttemptTimeoutException) {
            return true;
        }
        if (failure instanceof SdkClientException) {
            for (Throwable c = failure.getCause(); c != null; c = c.getCause()) {
                if (c instanceof SocketTimeoutException || c instanceof ConnectException) {
                    return true;
                }
            }
        }
        return false;
    }

    /* --------------- For the caching client --------------- */

    /** The client the origin reads through. */
    S3Client client() {
        return client;
    }

    /**
     * The version named by {@code versionId}: remembered, or (when {@code recheck} or unknown) looked up with
     * a HEAD carrying the versionId.
     */
    ObjectVersion statVersionId(String bucket, String key, String versionId, boolean recheck) {
        VersionIdKey k = new VersionIdKey(bucket, key, versionId);
        ObjectVersion known = recheck ? null : byVersionId.getIfPresent(k);
        if (known != null && heads.getIfPresent(known) != null) {
            return known;
        }
        HeadObjectResponse head = client.headObject(HeadObjectRequest.builder()
                .bucket(bucket)
                .key(key)
                .versionId(versionId)
                .build());
        String eTag = eTagOf(head);
        String tag = VERSION_ID_PREFIX + versionId.length() + ":" + versionId + eTag;
        ObjectVersion v = new ObjectVersion(new ObjectId(id, bucket, key), tag, lengthOf(head));
        heads.put(v, new Head(head, true));
        byVersionId.put(k, v);
        return v;
    }

    /** Forgets the versions named by versionId of an object (after a write or a change). */
    void forgetVersionIds(String bucket, String key) {
        byVersionId
                .asMap()
                .keySet()
                .removeIf(k -> k.bucket().equals(bucket) && k.key().equals(key));
    }

    /**
     * The HEAD response of {@code version}: remembered, or fetched again with {@code If-Match}.
     *
     * @throws ObjectChangedException if S3 no longer has that version
     */
    HeadObjectResponse head(ObjectVersion version) {
        Head known = heads.getIfPresent(version);
        return known != null ? known.response() : headAtS3(version);
    }

    /**
     * The HEAD response of {@code version} as S3 sends it to a HEAD: remembered from a HEAD, or fetched with
     * {@code If-Match} when only a GET's headers are known (a HEAD may carry headers a GET does not), or
     * those when S3 cannot answer (see {@link #isUnavailable}).
     *
     * @throws ObjectChangedException if S3 no longer has that version
     */
    HeadObjectResponse headForHead(ObjectVersion version) {
        Head known = heads.getIfPresent(version);
        if (known == null || known.fromHead()) {
            return known != null ? known.response() : headAtS3(version);
        }
        try {
            return headAtS3(version);
        } catch (RuntimeException e) {
            if (isUnavailable(e)) {
                return known.response(); // S3 can't answer now: the GET's headers are the best we know
            }
            throw e;
        }
    }

    /**
     * A HEAD of {@code version} sent to S3 now, with {@code If-Match}, through this origin's client (its
     * credentials): it checks that the client may read the object and that the version is current.
     *
     * @throws ObjectChangedException if S3 no longer has that version
     */
    HeadObjectResponse headAtS3(ObjectVersion version) {
        HeadObjectRequest.Builder request = HeadObjectRequest.builder()
                .bucket(version.id().bucket())
                .key(version.id().key())
                .ifMatch(eTag(version));
        String versionId = versionId(version);
        if (versionId != null) {
            request.versionId(versionId);
        }
        HeadObjectResponse head;
        try {
            head = client.headObject(request.build());
        } catch (S3Exception e) {
            if (e.statusCode() == PRECONDITION_FAILED) {
                throw changed(version, null, e);
            }
            throw e;
        }
        if (!eTag(version).equals(head.eTag()) || lengthOf(head) != version.length()) {
            throw new ObjectChangedException(version, head.eTag());
        }
        heads.put(version, new Head(head, true));
        return head;
    }

    /** The ETag part of a version string. */
    static String eTag(ObjectVersion version) {
        String v = version.version();
        if (!v.startsWith(VERSION_ID_PREFIX)) {
            return v;
        }
        int colon = v.indexOf(':', VERSION_ID_PREFIX.length());
        int n = Integer.parseInt(v.substring(VERSION_ID_PREFIX.length(), colon));
        return v.substring(colon + 1 + n);
    }

    /** The versionId part of a version string, or null for a read of the current object. */
    static @Nullable String versionId(ObjectVersion version) {
        String v = version.version();
        if (!v.startsWith(VERSION_ID_PREFIX)) {
            return null;
        }
        int colon = v.indexOf(':', VERSION_ID_PREFIX.length());
        int n = Integer.parseInt(v.substring(VERSION_ID_PREFIX.length(), colon));
        return v.substring(colon + 1, colon + 1 + n);
    }

    private static ObjectChangedException changed(ObjectVersion version, @Nullable String found, S3Exception cause) {
        ObjectChangedException e = new ObjectChangedException(version, found);
        e.initCause(cause);
        return e;
    }

    private static String eTagOf(HeadObjectResponse head) {
        String eTag = head.eTag();
        if (eTag == null) {
            throw new IllegalStateException("S3 returned no ETag for a HEAD: " + head);
        }
        return eTag;
    }

    private static long lengthOf(HeadObjectResponse head) {
        Long length = head.contentLength();
        if (length == null) {
            throw new IllegalStateException("S3 returned no Content-Length for a HEAD: " + head);
        }
        return length;
    }
}
