package io.tieredstore.hashing;

/**
 * A source of membership views: a static list, or an engine that already agrees on who is alive (ZooKeeper,
 * Kubernetes), never consensus of our own. Listeners hear every later view, in epoch order, on the source's
 * thread; a listener that throws is logged and does not stop the others.
 */
public interface Membership extends AutoCloseable {
    /** The latest view. */
    MembershipView view();

    /** Calls {@code listener} with every view after the current one until the subscription is closed. */
    Subscription subscribe(Listener listener);

    /** Stops the source (an engine-backed source leaves its group first); listeners hear nothing after. */
    @Override
    void close();

    /** Hears views. */
    @FunctionalInterface
    interface Listener {
        /** A new view, of a greater epoch than any heard before. */
        void viewChanged(MembershipView view);
    }

    /** A listener's registration. */
    interface Subscription extends AutoCloseable {
        /** Stops the listener hearing later views. */
        @Override
        void close();
    }
}
