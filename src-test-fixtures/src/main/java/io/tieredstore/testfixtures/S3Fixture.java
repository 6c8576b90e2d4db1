package io.tieredstore.testfixtures;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * What a test gets from {@link S3Extension}: a fresh bucket on the shared S3 endpoint, a fault proxy of its
 * own in front of it, clients that go through that proxy, and the proxy's origin counters.
 */
public final class S3Fixture implements AutoCloseable {
    private final S3Endpoint endpoint;
    private final String bucket;
    private final FaultProxy proxy;
    private final S3Client s3;

    @GuardedBy("this")
    private @Nullable S3AsyncClient s3Async;

    /** Creates a bucket and a proxy on {@code endpoint}; closing releases the proxy and the clients. */
    public S3Fixture(S3Endpoint endpoint) {
        this.endpoint = endpoint;
        this.bucket = endpoint.newBucket();
        this.proxy = endpoint.newProxy(FaultPlan.none());
        this.s3 = S3Clients.sync(proxy.uri());
    }

    /** The test's bucket. */
    public String bucket() {
        return bucket;
    }

    /** A synchronous client through the fault proxy. */
    public S3Client s3() {
        return s3;
    }

    /** An asynchronous client through the fault proxy, created on first use. */
    public synchronized S3AsyncClient s3Async() {
        S3AsyncClient c = s3Async;
        if (c == null) {
            c = S3Clients.async(proxy.uri());
            s3Async = c;
        }
        return c;
    }

    /** The test's fault proxy. */
    public FaultProxy proxy() {
        return proxy;
    }

    /** Installs a fault plan on the test's proxy; its request numbering and windows start now. */
    public void faults(FaultPlan plan) {
        proxy.plan(plan);
    }

    /** What reached the origin through the test's proxy. */
    public OriginCounters counters() {
        return proxy.counters();
    }

    /** A client straight to the origin (no faults, not counted), shared by the JVM: do not close it. */
    public S3Client origin() {
        return endpoint.directClient();
    }

    /** Writes to the test's bucket behind the cache's back. */
    public ForeignWriter foreignWriter() {
        return new ForeignWriter(endpoint.directClient(), bucket);
    }

    @Override
    public synchronized void close() {
        s3.close();
        S3AsyncClient c = s3Async;
        if (c != null) {
            c.close();
        }
        proxy.close();
    }
}
