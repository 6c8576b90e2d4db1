package io.tieredstore.s3;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.ObjectChangedException;
import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.TieredStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.NonRetryableException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.services.s3.DelegatingS3Client;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.RenameObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Request;

/**
 * A caching decorator of the application's own {@link S3Client}: {@code getObject} and {@code headObject}
 * are answered from a {@link TieredStore}, with responses and errors indistinguishable from the client's
 * own; writes through it invalidate; every other operation goes to the client untouched.
 *
 * <p>Wiring (the store must be built over the same {@link S3Origin}):
 *
 * <pre>{@code
 * S3Client s3 = S3Client.create();                      // the application's client
 * S3Origin origin = S3Origin.create(s3);
 * TieredStore store = TieredStore.builder()
 *         .origin(origin)
 *         .tier(memoryTier)
 *         .consistency("lake", "tables/", ConsistencyPolicy.IMMUTABLE)
 *         .build();
 * S3Client cached = CachingS3Client.create(store, origin);
 * byte[] footer = cached.getObjectAsBytes(b -> b.bucket("lake").key("tables/t.parquet").range("bytes=-8"))
 *         .asByteArray();
 * }</pre>
 *
 * <p>{@link #close()} closes the application's client, not the store, which other clients may share.
 *
 * <p>Thread safety: as the decorated client, all methods may be called by any number of threads.
 */
public final class CachingS3Client extends DelegatingS3Client {
    /*
     * Design notes.
     *
     * What is cached. A GET or HEAD is served from the store only if it names nothing but bucket, key,
     * versionId, range and the four conditional headers (and checksum mode, unless ENABLED), with no request
     * override configuration. Anything else - SSE-C keys, partNumber, requester pays, checksum mode
     * ENABLED, expected bucket owner, response-header overrides, per-request credentials or headers, and any
     * member a later SDK adds - goes to S3 untouched: a shared cache must not answer for S3's checks.
     *
     * Errors are S3's own. Only requests that S3 would answer 200/206 are served from the cache; every other
     * outcome is produced by forwarding the original request: a failing or doubtful condition (412/304),
     * a range S3 answers with 416 or 400, an empty object with a range, and any service error met while
     * looking up the version (S3 answers a HEAD of a missing bucket with a bodiless 404 that the SDK turns
     * into NoSuchKeyException, while the GET gets NoSuchBucket). So error types, status and error codes are
     * always those of the bare client, at the price of one extra request on those paths.
     *
     * Versions. The store's consistency policy decides when the current version is looked up again (open).
     * A versionId read uses the origin's remembered version for that id, rechecked under STRICT.
     *
     * Changes mid-read. The first piece of the body (up to the end of the first page) is read before the
     * response is handed to the transformer. If that fails with ObjectChangedException, nothing has reached
     * the caller: the object's cached version is dropped and the read starts again once on the new version.
     * A change found later (a page not cached yet, fetched with If-Match) surfaces from the body's read()
     * as ObjectChangedException; bytes of two versions never mix.
     *
     * Transformers see what the SDK would give them: an AbortableInputStream that is closed after transform
     * unless the transformer keeps the connection open (toInputStream, unmanaged). A transformer's own
     * failure is reported as the SDK reports it (SdkClientException "Unable to unmarshall response" caused by
     * a NonRetryableException); the store's own unchecked exceptions (origin errors met by a later fill,
     * ObjectChangedException) and SdkExceptions propagate unchanged.
     *
     * Writes. putObject, deleteObject(s), copyObject, completeMultipartUpload and renameObject go to S3 and
     * then, succeeded or not (a failed call may still have taken effect), invalidate the keys they touch.
     */

    /** Request members that a cached answer can honour. */
    private static final Set<String> CACHEABLE_MEMBERS = Set.of(
            "Bucket", "Key", "VersionId", "Range", "IfMatch", "IfNoneMatch", "IfModifiedSince", "IfUnmodifiedSince");

    private static final String CHECKSUM_MODE = "ChecksumMode";

    private final TieredStore store;
    private final S3Origin origin;

    private CachingS3Client(TieredStore store, S3Origin origin) {
        super(origin.client());
        this.store = store;
        this.origin = origin;
    }

    /**
     * Decorates the client of {@code origin}, answering reads from {@code store}, which must have been built
     * with {@code origin} as its origin.
     */
    public static CachingS3Client create(TieredStore store, S3Origin origin) {
        return new CachingS3Client(Objects.requireNonNull(store, "store"), Objects.requireNonNull(origin, "origin"));
    }

    /** Answers from the store when S3 would answer 200 or 206, else forwards the request to S3. */
    @Override
    public <ReturnT> ReturnT getObject(
            GetObjectRequest request, ResponseTransformer<GetObjectResponse, ReturnT> transformer) {
        if (!cacheable(request)) {
            return super.getObject(request, transformer);
        }
        String bucket = request.bucket();
        String key = request.key();
        for (int attempt = 0; ; attempt++) {
            ObjectVersion version;
            HeadObjectResponse head;
            ByteRange range;
            ByteBuffer first;
            try {
                version = resolve(bucket, key, request.versionId(), attempt > 0);
                head = origin.head(version);
                range = ByteRange.resolve(request.range(), version.length());
                if (range == null
                        || !Conditions.allHold(
                                request.ifMatch(),
                                request.ifNoneMatch(),
                                request.ifModifiedSince(),
                                request.ifUnmodifiedSince(),
                                S3Origin.eTag(version),
                                head.lastModified())) {
                    return super.getObject(request, transformer);
                }
                first = readFirst(version, range);
            } catch (ObjectChangedException e) {
                if (attempt > 0) {
                    throw e;
                }
                forget(bucket, key);
                continue;
            } catch (SdkServiceException e) {
                return super.getObject(request, transformer); // S3's own answer to this GET
            }
            InputStream body = new CachedBody(
                    first, store, version, range.start() + first.remaining(), range.length() - first.remaining());
            return transform(transformer, Responses.get(head, range, version.length()), body);
        }
    }

    /** Answers from the store's version when S3 would answer 200, else forwards the request to S3. */
    @Override
    public HeadObjectResponse headObject(HeadObjectRequest request) {
        if (!cacheable(request) || request.range() != null) {
            return super.headObject(request);
        }
        for (int attempt = 0; ; attempt++) {
            try {
                ObjectVersion version = resolve(request.bucket(), request.key(), request.versionId(), attempt > 0);
                HeadObjectResponse head = origin.head(version);
                if (!Conditions.allHold(
                        request.ifMatch(),
                        request.ifNoneMatch(),
                        request.ifModifiedSince(),
                        request.ifUnmodifiedSince(),
                        S3Origin.eTag(version),
                        head.lastModified())) {
                    return super.headObject(request);
                }
                return head;
            } catch (ObjectChangedException e) {
                if (attempt > 0) {
                    throw e;
                }
                forget(request.bucket(), request.key());
            }
        }
    }

    /** Runs every operation on the client; after a write, invalidates the keys it wrote. */
    @Override
    protected <T extends S3Request, ReturnT> ReturnT invokeOperation(T request, Function<T, ReturnT> operation) {
        try {
            return operation.apply(request);
        } finally {
            invalidateWritten(request);
        }
    }

    /* --------------- Reads --------------- */

    /** The version to read: the store's current one, or the one named by versionId. */
    private ObjectVersion resolve(String bucket, String key, @Nullable String versionId, boolean recheck) {
        ObjectVersion v;
        if (versionId == null) {
            v = store.open(bucket, key);
        } else {
            boolean strict = store.policy(bucket, key).equals(ConsistencyPolicy.STRICT);
            v = origin.statVersionId(bucket, key, versionId, recheck || strict);
        }
        if (!v.id().origin().equals(origin.id())) {
            throw new IllegalStateException("the store's origin " + v.id().origin() + " is not this client's origin "
                    + origin.id() + ": build the store with the same S3Origin");
        }
        return v;
    }

    /** Reads the range's bytes up to the end of its first page. */
    private ByteBuffer readFirst(ObjectVersion version, ByteRange range) {
        int pageSize = store.pageSize();
        int n = (int) Math.min(range.length(), pageSize - range.start() % pageSize);
        ByteBuffer buf = ByteBuffer.allocate(n);
        while (buf.hasRemaining()) {
            store.read(version, range.start() + buf.position(), buf);
        }
        return buf.flip();
    }

    /** Hands a body to the transformer as the SDK does, closing it afterwards unless the transformer keeps it. */
    private static <ReturnT> ReturnT transform(
            ResponseTransformer<GetObjectResponse, ReturnT> transformer, GetObjectResponse response, InputStream body) {
        boolean keepOpen = false;
        try {
            ReturnT result =
                    transformer.transform(response, AbortableInputStream.create(body, () -> closeQuietly(body)));
            keepOpen = transformer.needsConnectionLeftOpen();
            return result;
        } catch (ObjectChangedException | SdkException e) {
            throw e; // the store's own outcomes (origin errors, changes) and the SDK's signals, as they are
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw AbortedException.builder()
                    .message("Thread was interrupted")
                    .cause(e)
                    .build();
        } catch (Exception e) {
            // As the SDK's response handler reports a transformer's failure.
            NonRetryableException failure =
                    NonRetryableException.builder().cause(e).build();
            throw SdkClientException.builder()
                    .message("Unable to unmarshall response (" + failure.getMessage() + "). Response Code: "
                            + response.sdkHttpResponse().statusCode() + ", Response Text: "
                            + response.sdkHttpResponse().statusText().orElse(null))
                    .cause(failure)
                    .numAttempts(1)
                    .build();
        } finally {
            if (!keepOpen) {
                closeQuietly(body);
            }
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether a request names nothing that a cached answer could not honour. */
    private static boolean cacheable(S3Request request) {
        if (request.overrideConfiguration().isPresent()) {
            return false;
        }
        for (SdkField<?> field : request.sdkFields()) {
            Object value = field.getValueOrDefault(request);
            if (value == null || CACHEABLE_MEMBERS.contains(field.memberName())) {
                continue;
            }
            if (field.memberName().equals(CHECKSUM_MODE)
                    && !ChecksumMode.ENABLED.toString().equals(value)) {
                continue;
            }
            return false;
        }
        return true;
    }

    /* --------------- Invalidation --------------- */

    private void forget(String bucket, String key) {
        store.invalidate(bucket, key);
        origin.forgetVersionIds(bucket, key);
    }

    private void invalidateWritten(SdkPojo request) {
        if (request instanceof PutObjectRequest r) {
            forget(r.bucket(), r.key());
        } else if (request instanceof DeleteObjectRequest r) {
            forget(r.bucket(), r.key());
        } else if (request instanceof DeleteObjectsRequest r && r.delete() != null) {
            for (ObjectIdentifier o : r.delete().objects()) {
                forget(r.bucket(), o.key());
            }
        } else if (request instanceof CopyObjectRequest r) {
            forget(r.destinationBucket(), r.destinationKey());
        } else if (request instanceof CompleteMultipartUploadRequest r) {
            forget(r.bucket(), r.key());
        } else if (request instanceof RenameObjectRequest r) {
            forget(r.bucket(), r.key());
            String source = r.renameSource();
            if (source != null) { // the source key of the same bucket, URL-encoded, maybe as /bucket/key
                String path = URLDecoder.decode(source, StandardCharsets.UTF_8);
                path = path.startsWith("/") ? path.substring(1) : path;
                forget(r.bucket(), path);
                if (path.startsWith(r.bucket() + "/")) {
                    forget(r.bucket(), path.substring(r.bucket().length() + 1));
                }
            }
        }
    }
}
