package io.tieredstore.s3;

import static io.tieredstore.core.internal.Checks.requireArgument;
import static io.tieredstore.core.internal.Checks.requireState;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import io.tieredstore.core.ObjectChangedException;
import io.tieredstore.core.ObjectId;
import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.OpenedRead;
import io.tieredstore.core.Origin;
import io.tieredstore.core.OriginRead;
import io.tieredstore.core.ReadRange;
import io.tieredstore.core.Ticker;
import io.tieredstore.core.TieredStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
     * Size. Over 500 lines because what is left here shares the client's state (store, origin, authorisations,
     * ticker) with every request path; what stands alone is in its own file (ByteRange, Conditions, Responses,
     * CachedBody).
     *
     * What is cached. A GET or HEAD is served from the store only if it names nothing but bucket, key,
     * versionId, range and the four conditional headers (and checksum mode, unless ENABLED), with no request
     * override configuration. Anything else - SSE-C keys, partNumber, requester pays, checksum mode
     * ENABLED, expected bucket owner, response-header overrides, per-request credentials or headers, and any
     * member a later SDK adds - goes to S3 untouched: a shared cache must not answer for S3's checks.
     *
     * Errors are S3's own. Only requests that S3 would answer 200/206 are served from the cache; every other
     * outcome is produced by forwarding the original request, exactly once and outside of any retry of our
     * own: a failing or doubtful condition (412/304), a range S3 answers with 416 or 400, an empty object with
     * a range, and any SDK failure met before the response is handed out (looking up or re-authorising the
     * version, or reading the first piece: S3 answers a HEAD of a missing bucket with a bodiless 404 that
     * the SDK turns into NoSuchKeyException, while the GET gets NoSuchBucket; a truncated fill ends in the
     * SDK's RetryableException, where a streaming GET of the bare client fails in read()). So error types,
     * status, error codes and the place they are raised are those of the bare client, at the price of the
     * cache's own request on those paths.
     *
     * Versions. The store's consistency policy decides when the current version is looked up again
     * (openRead). When the read's first page is not cached, the lookup is the GET itself, widened to whole
     * pages and sent without If-Match: its ETag and Content-Range give the version, so a cold GET is one
     * request, as for the bare client; otherwise it is a HEAD. Either goes out through this client's origin
     * (CheckingOrigin), with this client's credentials, so under STRICT and TTL a check is also an
     * authorisation. A HEAD is answered from a HEAD's headers: when only a GET's are known, one HEAD with
     * If-Match is sent (a HEAD may carry headers a GET does not). A versionId read uses this origin's remembered
     * version for that id, rechecked under STRICT. With reauthorizeEvery(d), a hit whose object this client
     * has not been authorised for since d before the read sends a HEAD with If-Match through this client
     * first (a 403 there forwards the GET, which then fails as the bare client's does).
     *
     * Changes mid-read. The first piece of the body (up to the end of the first page) is read before the
     * response is handed to the transformer: the store's stream reads it when it is created. If that fails
     * with ObjectChangedException, nothing has reached the caller: the object's cached version is dropped and
     * the read starts again once on the new version; a second change forwards the request. A failure found
     * later (a page not cached yet, fetched with If-Match; an S3 error on that fill) reaches a streaming
     * reader as an IOException from read(), as a cut connection would; a transformer that reads the whole
     * body (toBytes, toFile) is restarted once on the new version after a change, else the request is
     * forwarded, as the SDK retries a failed body. ObjectChangedException and the SDK's internal retry
     * signals never reach the caller; bytes of two versions never mix.
     *
     * Transformers see what the SDK would give them: an AbortableInputStream that is closed after transform
     * unless the transformer keeps the connection open (toInputStream, unmanaged). A transformer's own
     * failure is reported as the SDK reports it (SdkClientException "Unable to unmarshall response" caused by
     * a NonRetryableException); SdkExceptions propagate unchanged.
     *
     * Writes. putObject, deleteObject(s), copyObject, completeMultipartUpload and renameObject go to S3 and
     * then, succeeded or not (a failed call may still have taken effect), invalidate the keys they touch.
     */

    /** Request members that a cached answer can honour. */
    private static final Set<String> CACHEABLE_MEMBERS = Set.of(
            "Bucket", "Key", "VersionId", "Range", "IfMatch", "IfNoneMatch", "IfModifiedSince", "IfUnmodifiedSince");

    private static final String CHECKSUM_MODE = "ChecksumMode";
    private static final long NEVER = -1;

    /** Default bound on the objects whose last authorisation a client remembers. */
    static final long MAX_AUTHORISED = 100_000;

    private final TieredStore store;
    private final S3Origin origin;
    private final Origin checker;
    private final Ticker ticker;
    /** Re-authorise a hit when this client's last successful request for the object is older; NEVER = off. */
    private final long reauthorizeNanos;
    /** Per object, the ticker time at which a request of this client for it last started and succeeded. */
    private final Cache<ObjectId, Long> authorised;

    private CachingS3Client(Builder b) {
        super(b.origin.client());
        this.store = b.store;
        this.origin = b.origin;
        this.ticker = b.ticker == null ? Ticker.system() : b.ticker;
        Duration every = b.reauthorizeEvery;
        this.reauthorizeNanos = every == null ? NEVER : every.toNanos();
        this.authorised = Caffeine.newBuilder()
                .maximumSize(MAX_AUTHORISED)
                .executor(Runnable::run)
                .build();
        this.checker = new CheckingOrigin();
    }

    /**
     * Decorates the client of {@code origin}, answering reads from {@code store}, which must have been built
     * with an origin of the same id (this one, or one over another client of the same S3).
     */
    public static CachingS3Client create(TieredStore store, S3Origin origin) {
        return builder(store, origin).build();
    }

    /** A builder of a client that decorates {@code origin}'s client and answers reads from {@code store}. */
    public static Builder builder(TieredStore store, S3Origin origin) {
        return new Builder(Objects.requireNonNull(store, "store"), Objects.requireNonNull(origin, "origin"));
    }

    /** Answers from the store when S3 would answer 200 or 206, else forwards the request to S3, once. */
    @Override
    public <ReturnT> ReturnT getObject(
            GetObjectRequest request, ResponseTransformer<GetObjectResponse, ReturnT> transformer) {
        if (!cacheable(request)) {
            return super.getObject(request, transformer);
        }
        String bucket = request.bucket();
        String key = request.key();
        for (int attempt = 0; ; attempt++) {
            Served served;
            try {
                served = prepare(request, attempt > 0);
            } catch (ObjectChangedException e) {
                forget(bucket, key);
                if (attempt == 0) {
                    continue; // nothing reached the caller: start again on the new version
                }
                served = null; // changing under us again: S3's own answer
            } catch (AbortedException e) {
                throw e;
            } catch (SdkException e) {
                served = null; // S3's own answer to this GET: its error, at the bare client's place
            }
            if (served == null) {
                return super.getObject(request, transformer);
            }
            CachedBody body = served.body();
            try {
                return transform(transformer, served.response(), body);
            } catch (RuntimeException e) {
                RuntimeException fill = body.failure();
                if (fill == null || transformer.needsConnectionLeftOpen()) {
                    throw e; // the transformer's own failure, or one it saw as the bare client's would
                }
                // A later fill failed under a transformer that reads the whole body, as the SDK retries a
                // body that failed: start again on the new version if it changed, else ask S3 once.
                if (fill instanceof ObjectChangedException) {
                    forget(bucket, key);
                    if (attempt == 0) {
                        continue;
                    }
                }
                return super.getObject(request, transformer);
            }
        }
    }

    /** Answers from the store's version when S3 would answer 200, else forwards the request to S3, once. */
    @Override
    public HeadObjectResponse headObject(HeadObjectRequest request) {
        if (!cacheable(request) || request.range() != null) {
            return super.headObject(request);
        }
        for (int attempt = 0; ; attempt++) {
            HeadObjectResponse head;
            try {
                long start = ticker.read();
                ObjectVersion version = resolve(request.bucket(), request.key(), request.versionId(), attempt > 0);
                head = authorisedHead(version, start, true);
                if (!Conditions.allHold(
                        request.ifMatch(),
                        request.ifNoneMatch(),
                        request.ifModifiedSince(),
                        request.ifUnmodifiedSince(),
                        S3Origin.eTag(version),
                        head.lastModified())) {
                    head = null;
                }
            } catch (ObjectChangedException e) {
                forget(request.bucket(), request.key());
                if (attempt == 0) {
                    continue;
                }
                head = null;
            }
            return head != null ? head : super.headObject(request);
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

    /** A GET the cache answers: the response and its body, whose first piece is read. */
    private record Served(GetObjectResponse response, CachedBody body) {}

    /**
     * What the cache makes of a GET before any byte reaches the caller: a response to serve, or null when S3
     * must answer (a condition that fails or that S3 may read otherwise, a range S3 refuses).
     *
     * @throws ObjectChangedException if the version changed at S3 while it was being read
     * @throws SdkException any failure at S3 while looking up the version or reading the first piece
     */
    private @Nullable Served prepare(GetObjectRequest request, boolean recheck) {
        long start = ticker.read();
        String bucket = request.bucket();
        String key = request.key();
        if (request.versionId() != null) {
            ObjectVersion version = resolve(bucket, key, request.versionId(), recheck);
            return serve(request, version, null, start);
        }
        ReadRange wanted = ByteRange.wanted(request.range());
        if (wanted == null) {
            return null; // a range only S3 knows how to answer
        }
        OpenedRead opened = store.openRead(bucket, key, wanted, checker);
        return serve(request, opened.version(), opened, start);
    }

    /**
     * Serves {@code request} from {@code version}, with the bytes {@code opened} brought if it is not null, or
     * returns null (closing {@code opened}) when S3 must answer.
     */
    private @Nullable Served serve(
            GetObjectRequest request, ObjectVersion version, @Nullable OpenedRead opened, long start) {
        boolean handed = false;
        try {
            HeadObjectResponse head = authorisedHead(version, start, false);
            ByteRange range = ByteRange.resolve(request.range(), version.length());
            if (range == null
                    || !Conditions.allHold(
                            request.ifMatch(),
                            request.ifNoneMatch(),
                            request.ifModifiedSince(),
                            request.ifUnmodifiedSince(),
                            S3Origin.eTag(version),
                            head.lastModified())) {
                return null;
            }
            GetObjectResponse response = Responses.get(head, range, version.length());
            // The store's stream reads its first piece (or sends its one request) now: an
            // ObjectChangedException there comes before any byte.
            InputStream in = opened != null
                    ? opened.stream(range.start(), range.length())
                    : store.newInputStream(version, range.start(), range.length());
            handed = true;
            return new Served(response, new CachedBody(in, range.length()));
        } finally {
            if (!handed && opened != null) {
                opened.close();
            }
        }
    }

    /** The version to read: the store's current one (checked through this client), or the one named by versionId. */
    private ObjectVersion resolve(String bucket, String key, @Nullable String versionId, boolean recheck) {
        if (versionId == null) {
            return store.open(bucket, key, checker);
        }
        boolean strict = store.policy(bucket, key).checksEveryOpen();
        return origin.statVersionId(bucket, key, versionId, recheck || strict);
    }

    /**
     * The HEAD of {@code version} (as a HEAD answers it when {@code forHead}, else as a GET's headers); sent
     * to S3 through this client when re-authorisation is on and this client's last successful request for
     * the object started more than the interval before {@code start}.
     */
    private HeadObjectResponse authorisedHead(ObjectVersion version, long start, boolean forHead) {
        if (reauthorizeNanos != NEVER) {
            Long last = authorised.getIfPresent(version.id());
            if (last == null || start - last > reauthorizeNanos) {
                HeadObjectResponse head = origin.headAtS3(version);
                authorised.put(version.id(), start);
                return head;
            }
        }
        return forHead ? origin.headForHead(version) : origin.head(version);
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
        } catch (SdkException e) {
            throw e; // the SDK's own signals, as they are
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

    /**
     * The store's checks of this client's reads go through this client's origin, so that they run with its
     * credentials; each one that succeeds is remembered as an authorisation of this client.
     */
    private final class CheckingOrigin implements Origin {
        @Override
        public String id() {
            return origin.id();
        }

        @Override
        public ObjectVersion stat(String bucket, String key) {
            long start = ticker.read();
            ObjectVersion v = origin.stat(bucket, key);
            if (reauthorizeNanos != NEVER) {
                authorised.put(v.id(), start);
            }
            return v;
        }

        @Override
        public ByteBuffer fetch(ObjectVersion version, long offset, int length) {
            return origin.fetch(version, offset, length);
        }

        @Override
        public OriginRead read(String bucket, String key, ReadRange range) {
            long start = ticker.read();
            OriginRead read = origin.read(bucket, key, range);
            if (reauthorizeNanos != NEVER) {
                authorised.put(read.version().id(), start);
            }
            return read;
        }

        @Override
        public InputStream stream(ObjectVersion version, long offset, long length) {
            return origin.stream(version, offset, length);
        }

        @Override
        public boolean isUnavailable(RuntimeException failure) {
            return origin.isUnavailable(failure);
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

    /**
     * Configures a {@link CachingS3Client}. Every setter validates its argument and may be called once;
     * {@link #build()} checks the combination and may be called again.
     */
    public static final class Builder {
        private final TieredStore store;
        private final S3Origin origin;
        private @Nullable Duration reauthorizeEvery;
        private @Nullable Ticker ticker;

        private Builder(TieredStore store, S3Origin origin) {
            this.store = store;
            this.origin = origin;
        }

        /**
         * Re-authorise cached reads with this client's credentials: a GET or HEAD answered from the cache
         * first sends a HEAD (with {@code If-Match}) through this client when its last successful request
         * for the object started more than {@code interval} ago; {@link Duration#ZERO} = on every read.
         * Default: off, so share a store only within one trust domain (see docs/security.md).
         */
        @CanIgnoreReturnValue
        public Builder reauthorizeEvery(Duration interval) {
            requireState(reauthorizeEvery == null, "reauthorizeEvery was already set to %s", reauthorizeEvery);
            Objects.requireNonNull(interval, "interval");
            requireArgument(!interval.isNegative(), "reauthorization interval must not be negative: %s", interval);
            this.reauthorizeEvery = interval;
            return this;
        }

        /** The time source for re-authorisation intervals (default {@link Ticker#system()}). */
        @CanIgnoreReturnValue
        public Builder ticker(Ticker ticker) {
            requireState(this.ticker == null, "ticker was already set to %s", this.ticker);
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Builds the client. This method does not alter the state of this builder, so it can be invoked again.
         *
         * @throws IllegalArgumentException if the store's origin has another id than {@code origin}
         */
        public CachingS3Client build() {
            requireArgument(
                    store.originId().equals(origin.id()),
                    "the store's origin %s is not this client's origin %s: build the store over an S3Origin with"
                            + " the same id",
                    store.originId(),
                    origin.id());
            return new CachingS3Client(this);
        }
    }
}
