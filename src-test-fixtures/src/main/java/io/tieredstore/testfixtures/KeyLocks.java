package io.tieredstore.testfixtures;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * Per-object read-write locks that make the S3 endpoint's overwrites atomic, shared by every proxy in front
 * of one origin.
 *
 * <p>Design notes. S3Mock is not atomic under overwrite: a GET reads an object's metadata (ETag, length) and
 * opens its data file in two steps, and a PUT replaces the data file and then the metadata, so a GET racing
 * a PUT can answer the new body with the old ETag, or honour {@code If-Match} on a superseded ETag. S3 never
 * does. The proxy therefore takes, before it forwards a request, a shared lock on each object the request
 * reads and an exclusive lock on each object it writes ({@link #claimsOf}); every object lock comes with a
 * shared lock on its bucket, which {@code DeleteObjects} (keys in the body) takes exclusively. Writes hold
 * their locks until the origin has sent the whole response. A GET holds its lock only until the first body
 * byte arrives: by then S3Mock has read the metadata and opened the data file, and an overwrite unlinks that
 * file and writes a new one ({@code Files.copy} with {@code REPLACE_EXISTING}), so the open file keeps the old
 * bytes. Holding the lock for the whole body would make a writer wait for a slow or abandoned reader, which S3
 * never does, and a test that overwrites an object while it holds a stream on it open would hang.
 *
 * <p>The locks are asynchronous, since the proxy runs on event loops that must never block: a request waits
 * in a first-in first-out queue per lock (so writers are not starved by readers) and is resumed on its own
 * event loop. A request takes its locks one at a time in one global order of names, so two requests cannot
 * wait for each other.
 */
final class KeyLocks {
    private static final Map<String, KeyLocks> BY_ORIGIN = new ConcurrentHashMap<>();

    /** The name of a lock: an object, or a bucket when {@code key} is empty (S3 keys are never empty). */
    record Name(String bucket, String key) implements Comparable<Name> {
        @Override
        public int compareTo(Name o) {
            int c = bucket.compareTo(o.bucket);
            return c != 0 ? c : key.compareTo(o.key);
        }
    }

    /** How a request holds a lock. */
    enum Mode {
        SHARED,
        EXCLUSIVE
    }

    /** One lock a request needs. */
    record Claim(Name name, Mode mode) {}

    /** The holders and waiters of one name; removed when it has neither. Touched only under the KeyLocks' lock. */
    private static final class State {
        int shared;
        boolean exclusive;
        final ArrayDeque<Hold> queue = new ArrayDeque<>();

        boolean admits(Mode mode) {
            return mode == Mode.SHARED ? !exclusive : !exclusive && shared == 0;
        }

        boolean idle() {
            return shared == 0 && !exclusive && queue.isEmpty();
        }
    }

    @GuardedBy("this")
    private final Map<Name, State> states = new HashMap<>();

    private KeyLocks() {}

    /** The locks of the origin at {@code authority} ({@code host:port}). */
    static KeyLocks forOrigin(String authority) {
        return BY_ORIGIN.computeIfAbsent(authority, a -> new KeyLocks());
    }

    /**
     * Takes {@code claims} in name order and then runs {@code granted} on {@code executor}; the returned hold
     * releases them, or gives up waiting, when {@link Hold#release()} is called.
     */
    Hold acquire(List<Claim> claims, Executor executor, Runnable granted) {
        Hold hold = new Hold(merge(claims), executor, granted);
        boolean done;
        synchronized (this) {
            done = advance(hold);
        }
        if (done) {
            executor.execute(granted);
        }
        return hold;
    }

    /** The claims of one request as the proxy sees it: method, path-style URI and copy source header. */
    static List<Claim> claimsOf(String method, String uri, @Nullable String copySource) {
        URI parsed = URI.create(uri);
        String path = parsed.getPath() == null ? "" : parsed.getPath(); // percent-decoded
        String query = parsed.getRawQuery() == null ? "" : parsed.getRawQuery();
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        int slash = trimmed.indexOf('/');
        String bucket = slash < 0 ? trimmed : trimmed.substring(0, slash);
        String key = slash < 0 ? "" : trimmed.substring(slash + 1);
        if (bucket.isEmpty()) {
            return List.of();
        }
        boolean multipartStep = hasParam(query, "uploadId") || hasParam(query, "uploads");
        List<Claim> claims = new ArrayList<>();
        switch (method.toUpperCase(Locale.ROOT)) {
            case "GET", "HEAD" -> {
                if (!key.isEmpty() && !multipartStep) {
                    object(claims, bucket, key, Mode.SHARED);
                }
            }
            case "PUT" -> {
                if (!key.isEmpty() && !multipartStep) {
                    object(claims, bucket, key, Mode.EXCLUSIVE); // PutObject, CopyObject, object subresources
                }
                if (copySource != null) {
                    source(claims, copySource); // CopyObject, UploadPartCopy
                }
            }
            case "POST" -> {
                if (key.isEmpty() && hasParam(query, "delete")) {
                    claims.add(new Claim(new Name(bucket, ""), Mode.EXCLUSIVE)); // DeleteObjects: keys in the body
                } else if (!key.isEmpty() && !hasParam(query, "uploads")) {
                    object(claims, bucket, key, Mode.EXCLUSIVE); // CompleteMultipartUpload and the like
                }
            }
            case "DELETE" -> {
                if (key.isEmpty()) {
                    claims.add(new Claim(new Name(bucket, ""), Mode.EXCLUSIVE)); // DeleteBucket
                } else if (!multipartStep) {
                    object(claims, bucket, key, Mode.EXCLUSIVE);
                }
            }
            default -> {}
        }
        return claims;
    }

    private static void object(List<Claim> claims, String bucket, String key, Mode mode) {
        claims.add(new Claim(new Name(bucket, ""), Mode.SHARED));
        claims.add(new Claim(new Name(bucket, key), mode));
    }

    /** {@code x-amz-copy-source}: {@code [/]bucket/key[?versionId=...]}, percent-encoded. */
    private static void source(List<Claim> claims, String copySource) {
        String s = copySource.startsWith("/") ? copySource.substring(1) : copySource;
        int q = s.indexOf('?');
        if (q >= 0) {
            s = s.substring(0, q);
        }
        int slash = s.indexOf('/');
        if (slash > 0 && slash < s.length() - 1) {
            object(claims, percentDecode(s.substring(0, slash)), percentDecode(s.substring(slash + 1)), Mode.SHARED);
        }
    }

    private static String percentDecode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int hi = c == '%' && i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
            int lo = hi < 0 ? -1 : Character.digit(s.charAt(i + 2), 16);
            if (lo >= 0) {
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static boolean hasParam(String query, String name) {
        for (String part : query.split("&", -1)) {
            int eq = part.indexOf('=');
            if ((eq < 0 ? part : part.substring(0, eq)).equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** One claim per name, the strongest asked for, in name order: the order every request takes them in. */
    private static List<Claim> merge(List<Claim> claims) {
        TreeMap<Name, Mode> byName = new TreeMap<>();
        for (Claim c : claims) {
            byName.merge(c.name(), c.mode(), (a, b) -> a == Mode.EXCLUSIVE ? a : b);
        }
        List<Claim> merged = new ArrayList<>(byName.size());
        byName.forEach((name, mode) -> merged.add(new Claim(name, mode)));
        return merged;
    }

    /** Grants {@code hold} its next claims until one must wait (queued) or all are held; true if all are. */
    @GuardedBy("this")
    @SuppressWarnings("GuardedBy") // a Hold's lock is its KeyLocks, always this one (only acquire makes Holds)
    private boolean advance(Hold hold) {
        while (hold.acquired < hold.claims.size()) {
            Claim c = hold.claims.get(hold.acquired);
            State s = states.computeIfAbsent(c.name(), n -> new State());
            if (!s.queue.isEmpty() || !s.admits(c.mode())) {
                s.queue.add(hold);
                return false;
            }
            take(s, c.mode());
            hold.acquired++;
        }
        return true;
    }

    private static void take(State s, Mode mode) {
        if (mode == Mode.SHARED) {
            s.shared++;
        } else {
            s.exclusive = true;
        }
    }

    /** Grants the waiters at the head of {@code name}'s queue that its state now admits; collects finished ones. */
    @GuardedBy("this")
    @SuppressWarnings("GuardedBy") // as in advance: every Hold queued here is one of this KeyLocks'
    private void drain(Name name, List<Hold> finished) {
        State s = states.get(name);
        while (s != null && !s.queue.isEmpty()) {
            Hold next = s.queue.peek();
            Mode mode = next.claims.get(next.acquired).mode();
            if (!s.admits(mode)) {
                break;
            }
            s.queue.poll();
            take(s, mode);
            next.acquired++;
            if (advance(next)) {
                finished.add(next);
            }
        }
        if (s != null && s.idle()) {
            states.remove(name);
        }
    }

    /** The locks one request holds or waits for. */
    final class Hold {
        private final List<Claim> claims;
        private final Executor executor;
        private final Runnable granted;
        /** Claims {@code [0, acquired)} are held. */
        @GuardedBy("KeyLocks.this")
        private int acquired;

        @GuardedBy("KeyLocks.this")
        private boolean released;

        private Hold(List<Claim> claims, Executor executor, Runnable granted) {
            this.claims = claims;
            this.executor = executor;
            this.granted = granted;
        }

        /** Releases the locks held and stops waiting for the others; later calls do nothing. */
        void release() {
            List<Hold> finished = new ArrayList<>();
            synchronized (KeyLocks.this) {
                if (released) {
                    return;
                }
                released = true;
                if (acquired < claims.size()) {
                    Name waitingFor = claims.get(acquired).name();
                    State s = states.get(waitingFor);
                    if (s != null) {
                        s.queue.remove(this);
                        drain(waitingFor, finished); // a waiter behind this one may now go
                    }
                }
                for (int i = 0; i < acquired; i++) {
                    Claim c = claims.get(i);
                    State s = states.get(c.name());
                    if (s != null) {
                        if (c.mode() == Mode.SHARED) {
                            s.shared--;
                        } else {
                            s.exclusive = false;
                        }
                        drain(c.name(), finished);
                    }
                }
                acquired = 0;
            }
            for (Hold h : finished) {
                h.executor.execute(h.granted);
            }
        }
    }
}
