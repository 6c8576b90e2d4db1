package io.tieredstore.testfixtures;

import com.adobe.testing.s3mock.S3MockApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The S3 endpoint of a test JVM: one in-process S3Mock on a random loopback port, started on first use and
 * stopped at JVM exit. Its file store lives under {@code target/s3mock} of the working directory (override
 * with the system property {@code tieredstore.s3mock.root}).
 *
 * <p>Tests rarely use it directly: {@link S3Extension} gives each test a fresh bucket, a {@link FaultProxy}
 * and clients. Starting takes about 5 s, so it happens once per JVM.
 */
public final class S3Endpoint {
    private static final AtomicLong BUCKETS = new AtomicLong();
    private static @Nullable S3Endpoint shared;

    private final S3MockApplication app;
    private final URI uri;
    private final S3Client direct;
    private final String bucketPrefix;

    // getHttpPort() is deprecated in S3Mock 5 in favour of getPort(), which is the TLS port; we need plain HTTP.
    @SuppressWarnings("deprecation")
    private S3Endpoint() {
        Path root = Path.of(System.getProperty("tieredstore.s3mock.root", "target/s3mock"))
                .toAbsolutePath();
        try {
            Files.createDirectories(root); // S3Mock answers 500 to every call if its root's parent is missing
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the S3 endpoint's root " + root, e);
        }
        Map<String, Object> props = new HashMap<>(); // S3MockApplication.start removes keys: must be mutable
        props.put(S3MockApplication.PROP_HTTP_PORT, S3MockApplication.RANDOM_PORT);
        props.put(S3MockApplication.PROP_HTTPS_PORT, S3MockApplication.RANDOM_PORT);
        props.put(S3MockApplication.PROP_SILENT, true);
        props.put("server.address", "127.0.0.1");
        props.put("server.shutdown", "immediate"); // graceful stop waits 30 s on an unclosed GET stream
        props.put("com.adobe.testing.s3mock.store.root", root.toString());
        props.put("com.adobe.testing.s3mock.max-payload-size", "2GB");
        props.put("spring.servlet.multipart.max-file-size", "2GB");
        props.put("spring.servlet.multipart.max-request-size", "2GB");
        this.app = S3MockApplication.start(props);
        this.uri = URI.create("http://127.0.0.1:" + app.getHttpPort());
        this.direct = S3Clients.sync(uri);
        this.bucketPrefix = "t" + Long.toString(ProcessHandle.current().pid(), 36) + "-"
                + Long.toString(System.currentTimeMillis(), 36).toLowerCase(Locale.ROOT);
    }

    /** The endpoint of this JVM, started on first call. */
    public static synchronized S3Endpoint shared() {
        S3Endpoint s = shared;
        if (s == null) {
            s = new S3Endpoint();
            shared = s;
            S3Endpoint started = s;
            Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "s3-endpoint-stop"));
        }
        return s;
    }

    /** The origin itself, without the fault layer: {@code http://127.0.0.1:<port>}. */
    public URI uri() {
        return uri;
    }

    /** A client straight to the origin: no faults, not counted. Shared; do not close it. */
    public S3Client directClient() {
        return direct;
    }

    /** Creates a bucket with a name no other test of any JVM run uses, and returns the name. */
    public String newBucket() {
        String name = bucketPrefix + "-" + BUCKETS.incrementAndGet();
        direct.createBucket(b -> b.bucket(name));
        return name;
    }

    /** Starts a fault proxy in front of this endpoint. */
    public FaultProxy newProxy(FaultPlan plan) {
        return FaultProxy.start(uri, plan);
    }

    private void stop() {
        direct.close();
        app.stop();
    }
}
