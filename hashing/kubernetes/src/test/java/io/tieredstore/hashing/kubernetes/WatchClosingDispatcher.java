package io.tieredstore.hashing.kubernetes;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The mock API server's CRUD dispatcher, telling when the server has opened or finished closing a watch, and able
 * to drop the open watches as a failing API server would.
 *
 * <p>It also works around a stall in fabric8's mock server (8.0.0): a watch's close handler waits, on the server's
 * only event loop, for the watch's sender thread, whose pending write waits for that same event loop; when a
 * client closes a watch just as an event was written to it, the whole server stalls for 30 s. Here the close
 * handlers run on a thread of their own, so the event loop keeps turning.
 */
final class WatchClosingDispatcher extends KubernetesCrudDispatcher {
    private final LinkedBlockingQueue<String> closed = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<String> opened = new LinkedBlockingQueue<>();
    private final Map<WebSocket, String> open = new ConcurrentHashMap<>();
    // Idle threads end after a second; closes that come after shutdown() (the server's own, at destroy) run inline.
    private final ThreadPoolExecutor offLoop = new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            1,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> {
                Thread t = new Thread(r, "mock-watch-close");
                t.setDaemon(true);
                return t;
            },
            (task, pool) -> task.run());

    @Override
    public void shutdown() {
        super.shutdown();
        offLoop.shutdown();
    }

    @Override
    public MockResponse handleWatch(String path) {
        MockResponse r = super.handleWatch(path);
        WebSocketListener delegate = r.getWebSocketListener();
        return delegate == null ? r : r.withWebSocketUpgrade(new Forwarding(delegate, path));
    }

    /** Waits until the server has closed a watch whose path contains {@code part}; false on the deadline. */
    boolean awaitClosed(String part, Duration timeout) throws InterruptedException {
        return await(closed, part, timeout);
    }

    /** Waits until a watch whose path contains {@code part} has opened (since the last call); false on the deadline. */
    boolean awaitOpened(String part, Duration timeout) throws InterruptedException {
        return await(opened, part, timeout);
    }

    /** Closes, from the server's side and with an error code, every open watch whose path contains {@code part}. */
    int drop(String part) {
        int n = 0;
        for (Map.Entry<WebSocket, String> e : open.entrySet()) {
            if (e.getValue().contains(part)) {
                e.getKey().close(1011, "dropped by the test");
                n++;
            }
        }
        return n;
    }

    private static boolean await(LinkedBlockingQueue<String> events, String part, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String path = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
            if (path == null) {
                return false;
            }
            if (path.contains(part)) {
                return true;
            }
        }
    }

    private final class Forwarding extends WebSocketListener {
        private final WebSocketListener d;
        private final String path;

        Forwarding(WebSocketListener d, String path) {
            this.d = d;
            this.path = path;
        }

        @Override
        public void onBeforeAccept(WebSocket ws, Response r) {
            d.onBeforeAccept(ws, r);
        }

        @Override
        public void onOpen(WebSocket ws, Response r) {
            d.onOpen(ws, r);
            open.put(ws, path);
            opened.add(path);
        }

        @Override
        public void onMessage(WebSocket ws, String text) {
            d.onMessage(ws, text);
        }

        @Override
        public void onMessage(WebSocket ws, byte[] bytes) {
            d.onMessage(ws, bytes);
        }

        @Override
        public void onPing(WebSocket ws, byte[] bytes) {
            d.onPing(ws, bytes);
        }

        @Override
        public void onClosing(WebSocket ws, int code, String reason) {
            d.onClosing(ws, code, reason);
        }

        @Override
        public void onClosed(WebSocket ws, int code, String reason) {
            offLoop.execute(() -> {
                d.onClosed(ws, code, reason);
                open.remove(ws);
                closed.add(path);
            });
        }

        @Override
        public void onFailure(WebSocket ws, Throwable t, Response r) {
            offLoop.execute(() -> {
                d.onFailure(ws, t, r);
                open.remove(ws);
                closed.add(path);
            });
        }
    }
}
