package io.tieredstore.hashing;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Membership from a list given in code: fixed fleets and tests. {@link #set} replaces the list as a new view
 * (epoch + 1) and tells the listeners on the calling thread before it returns.
 */
public final class StaticMembership implements Membership {
    private static final System.Logger LOG = System.getLogger(StaticMembership.class.getName());

    private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
    private MembershipView view;
    private boolean closed;

    private StaticMembership(List<Member> members) {
        this.view = new MembershipView(1, members);
    }

    /** A membership of {@code members}, at epoch 1. */
    public static StaticMembership of(List<Member> members) {
        return new StaticMembership(members);
    }

    /** A membership of {@code members}, at epoch 1. */
    public static StaticMembership of(Member... members) {
        return new StaticMembership(List.of(members));
    }

    @Override
    public synchronized MembershipView view() {
        return view;
    }

    /**
     * Makes {@code members} the next view and tells every listener; returns it.
     *
     * @throws IllegalStateException if the membership is closed
     */
    public synchronized MembershipView set(List<Member> members) {
        if (closed) {
            throw new IllegalStateException("the membership is closed");
        }
        MembershipView next = new MembershipView(view.epoch() + 1, members);
        view = next;
        for (Listener l : listeners) {
            try {
                l.viewChanged(next);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a membership listener failed on view " + next.epoch(), e);
            }
        }
        return next;
    }

    @Override
    public Subscription subscribe(Listener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public synchronized void close() {
        closed = true;
        listeners.clear();
    }
}
