package io.tieredstore.hashing.kubernetes;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The mock API server's CRUD dispatcher, telling when the server has finished closing a watch.
 *
 * <p>Why: in fabric8's mock server (8.0.0) an event written to a watch whose client is closing it can stall the
 * server's only event loop for 30 s (the close handler waits for the watch's sender, whose write waits for the
 * event loop). A test that closes a membership and then changes what it watched waits here first, so that the
 * server no longer sends to the closed watch.
 */
final class WatchClosingDispatcher extends KubernetesCrudDispatcher {
    private final LinkedBlockingQueue<String> closed = new LinkedBlockingQueue<>();

    @Override
    public MockResponse handleWatch(String path) {
        MockResponse r = super.handleWatch(path);
        WebSocketListener delegate = r.getWebSocketListener();
        return delegate == null ? r : r.withWebSocketUpgrade(new Forwarding(delegate, path));
    }

    /** Waits until the server has closed a watch whose path contains {@code part}; false on the deadline. */
    boolean awaitClosed(String part, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String path = left <= 0 ? null : closed.poll(left, TimeUnit.NANOSECONDS);
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
            d.onClosed(ws, code, reason);
            closed.add(path);
        }

        @Override
        public void onFailure(WebSocket ws, Throwable t, Response r) {
            d.onFailure(ws, t, r);
            closed.add(path);
        }
    }
}
