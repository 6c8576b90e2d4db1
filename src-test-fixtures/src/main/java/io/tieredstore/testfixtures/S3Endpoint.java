package io.tieredstore.testfixtures;

import com.adobe.testing.s3mock.S3MockApplication;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The S3 endpoint of a test JVM: one in-process S3Mock on a random loopback port, started on first use and
 * stopped at JVM exit. Its file store lives under {@code target/s3mock} of the working directory (override
 * with the system property {@code tieredstore.s3mock.root}).
 *
 * <p>Tests rarely use it directly: {@link S3Extension} gives each test a fresh bucket, a {@link FaultProxy}
 * and clients. Starting takes about 5 s, so it happens once per JVM.
 *
 * <p>Design notes: letting the JVM end. S3Mock is a Spring Boot application on Tomcat, and some of its
 * threads are non-daemon by design (Tomcat's await and utility threads, Spring's task executor), so a program
 * whose main returns would never end. They cannot be made daemon after the fact, so S3Mock is started from a
 * thread of its own thread group, which every thread it makes inherits, and a daemon keeper thread joins the
 * non-daemon threads outside that group (re-scanning as they end, no polling). When none is left, nothing can
 * use the endpoint any more and the keeper stops S3Mock, whose threads then end, and with them the JVM. Spring's
 * own shutdown hook is off; the endpoint's hook stops S3Mock within {@link #STOP_BOUND}, so a stop that hangs
 * (a response blocked on a client that no longer reads) cannot hold {@code System.exit}.
 */
public final class S3Endpoint {
    private static final AtomicLong BUCKETS = new AtomicLong();
    /** How long stopping S3Mock may take before the JVM goes on ending without it. */
    static final Duration STOP_BOUND = Duration.ofSeconds(10);
    /** The thread the JVM runs its shutdown on after main returns; it waits for the others, so it is no user. */
    private static final String DESTROY_JVM_THREAD = "DestroyJavaVM";

    @GuardedBy("S3Endpoint.class")
    private static @Nullable S3Endpoint shared;

    private final S3MockApplication app;
    private final ThreadGroup threads = new ThreadGroup("s3-endpoint");

    @GuardedBy("this")
    private @Nullable Thread stopping;

    private final URI s3mock;
    private final FaultProxy plain;
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
        props.put("spring.main.register-shutdown-hook", false); // ours is bounded (stop)
        this.app = startInOwnThreadGroup(props);
        this.s3mock = URI.create("http://127.0.0.1:" + app.getHttpPort());
        this.plain = FaultProxy.start(s3mock, FaultPlan.none()); // its counters are nobody's: not counted
        this.direct = S3Clients.sync(plain.uri());
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
            Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "s3-endpoint-shutdown"));
            Thread keeper = new Thread(started::stopWhenNoUserIsLeft, "s3-endpoint-keeper");
            keeper.setDaemon(true);
            keeper.start();
        }
        return s;
    }

    /**
     * The origin without faults or counting, {@code http://127.0.0.1:<port>}: a proxy that only makes
     * overwrites atomic (as every proxy does), never S3Mock itself, which is not.
     */
    public URI uri() {
        return plain.uri();
    }

    /** A client to {@link #uri()}: no faults, not counted, atomic like S3. Shared; do not close it. */
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
        return FaultProxy.start(s3mock, plan);
    }

    /** Starts S3Mock from a thread of {@link #threads}, so that every thread it starts belongs to that group. */
    private S3MockApplication startInOwnThreadGroup(Map<String, Object> props) {
        AtomicReference<@Nullable S3MockApplication> started = new AtomicReference<>();
        AtomicReference<@Nullable Throwable> failed = new AtomicReference<>();
        Thread starter = new Thread(
                threads,
                () -> {
                    try {
                        started.set(S3MockApplication.start(props));
                    } catch (Throwable t) { // rethrown on the caller's thread
                        failed.set(t);
                    }
                },
                "s3-endpoint-start");
        starter.start();
        joinUninterruptibly(starter);
        S3MockApplication a = started.get();
        if (a == null) {
            throw new IllegalStateException("S3Mock did not start", failed.get());
        }
        return a;
    }

    /** Waits until no non-daemon thread outside S3Mock's is alive, then stops S3Mock so the JVM can end. */
    private void stopWhenNoUserIsLeft() {
        for (List<Thread> users = users(); !users.isEmpty(); users = users()) {
            users.forEach(S3Endpoint::joinUninterruptibly);
        }
        stop();
    }

    /** The live non-daemon threads that are not S3Mock's: while one runs, the endpoint may still be used. */
    private List<Thread> users() {
        List<Thread> users = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            ThreadGroup group = t.getThreadGroup();
            if (t.isAlive()
                    && !t.isDaemon()
                    && group != null
                    && !threads.parentOf(group) // S3Mock's group itself or one inside it
                    && !t.getName().equals(DESTROY_JVM_THREAD)) {
                users.add(t);
            }
        }
        return users;
    }

    /** Stops S3Mock, waiting at most {@link #STOP_BOUND}; later calls wait for the same stop. */
    private void stop() {
        Thread t;
        synchronized (this) {
            t = stopping;
            if (t == null) {
                t = new Thread(
                        () -> {
                            direct.close();
                            plain.close();
                            app.stop();
                        },
                        "s3-endpoint-stop");
                t.setDaemon(true);
                stopping = t;
                t.start();
            }
        }
        try {
            t.join(STOP_BOUND.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            System.err.println("S3Endpoint: S3Mock did not stop within " + STOP_BOUND + "; interrupting its threads");
            threads.interrupt();
        }
    }

    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
