package io.tieredstore.hashing.kubernetes;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.tieredstore.hashing.Member;
import io.tieredstore.hashing.Membership;
import io.tieredstore.hashing.MembershipView;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Membership from the EndpointSlices ({@code discovery.k8s.io/v1}) of a headless Service: every endpoint is a
 * member, named by its pod, at its first address and the peer port, {@link Member.State#SERVING} while the pod is
 * ready, {@link Member.State#NOT_READY} while it is not, {@link Member.State#LEAVING} while it terminates.
 *
 * <p>Membership here follows readiness: an instance leaves by failing its readiness probe (or by being deleted),
 * not by {@link #close()}, which only stops watching. An application should therefore fail readiness before it
 * closes its store, so that the other instances stop sending it requests first.
 *
 * <p>The {@link KubernetesClient} stays the caller's: this class never closes it; close it after this.
 *
 * <p>Design notes. One fabric8 {@link SharedIndexInformer} lists and then watches the slices labelled {@value
 * #SERVICE_NAME_LABEL}{@code =<service>} in the namespace; on every event (and after every relist) the members
 * are computed again from the informer's whole cache, so that the several slices of a Service merge and no event
 * order can leave a stale member behind. A computation equal to the current members makes no view; a different
 * one makes the next view. Epochs are a counter of this instance, starting at 1 with the first listing: they grow
 * with each view this instance hears and say nothing across instances (two pods may number the same members
 * differently). When the watch or a relist fails, the informer retries with back-off and the last view stays
 * (members are not dropped because the API server is unreachable); a change made meanwhile shows when the
 * informer has listed again. Listeners run on the informer's thread, one event at a time, under this object's
 * lock, which {@link #close()} also takes: no listener hears a view once {@code close} has returned.
 */
public final class KubernetesMembership implements Membership {
    /** The label the EndpointSlice controller puts on every slice of a Service, with the Service's name. */
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    private static final System.Logger LOG = System.getLogger(KubernetesMembership.class.getName());

    private final String namespace;
    private final String service;
    private final @Nullable String portName;
    private final int portNumber;
    private final ToDoubleFunction<String> weight;
    private final SharedIndexInformer<EndpointSlice> informer;
    private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();

    // Guarded by lock.
    private @Nullable MembershipView view;
    private Set<String> skipped = Set.of();
    private boolean listed;
    private boolean failing;
    private boolean closed;

    private KubernetesMembership(Builder b, KubernetesClient client) {
        this.namespace = Objects.requireNonNull(b.namespace, "namespace");
        this.service = Objects.requireNonNull(b.service, "service");
        this.portName = b.portName;
        this.portNumber = b.portNumber;
        this.weight = b.weight;
        this.informer = client.discovery()
                .v1()
                .endpointSlices()
                .inNamespace(namespace)
                .withLabel(SERVICE_NAME_LABEL, service)
                .runnableInformer(0);
    }

    /** A builder over {@code client}, which stays the caller's to close (after this membership). */
    public static Builder builder(KubernetesClient client) {
        return new Builder(client);
    }

    private void start(Duration timeout) {
        informer.exceptionHandler(this::retryAfter);
        informer.addEventHandler(new ResourceEventHandler<EndpointSlice>() {
            @Override
            public void onAdd(EndpointSlice slice) {
                refresh();
            }

            @Override
            public void onUpdate(EndpointSlice before, EndpointSlice after) {
                refresh();
            }

            @Override
            public void onDelete(EndpointSlice slice, boolean finalStateUnknown) {
                refresh();
            }

            @Override
            public void onList(String resourceVersion, boolean emptyList) {
                refresh();
            }
        });
        try {
            informer.start().toCompletableFuture().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            informer.stop();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing the EndpointSlices of " + where(), e);
        } catch (ExecutionException | TimeoutException e) {
            informer.stop();
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("could not list the EndpointSlices of " + where(), cause);
        }
        synchronized (lock) {
            listed = true;
        }
        refresh();
    }

    private String where() {
        return "service " + namespace + "/" + service;
    }

    /** Called by the informer on a failed list or watch; true asks it to retry. */
    private boolean retryAfter(boolean started, Throwable t) {
        synchronized (lock) {
            if (closed || !started) {
                // Before the first listing the failure goes to build(), which throws it.
                return false;
            }
            if (!failing) {
                failing = true;
                LOG.log(
                        Level.WARNING,
                        "watching the EndpointSlices of " + where() + " failed; keeping view "
                                + (view == null ? 0 : view.epoch()) + " and retrying",
                        t);
            }
            return true;
        }
    }

    /** Computes the members from the informer's cache and publishes a view if they changed. */
    private void refresh() {
        synchronized (lock) {
            if (closed || !listed) {
                return;
            }
            if (failing) {
                failing = false;
                LOG.log(Level.INFO, "watching the EndpointSlices of " + where() + " again");
            }
            SliceMembers.Result r = SliceMembers.of(informer.getStore().list(), portName, portNumber, weight);
            for (String reason : r.skipped()) {
                if (!skipped.contains(reason)) {
                    LOG.log(Level.WARNING, "not a member of " + where() + ": " + reason);
                }
            }
            skipped = r.skipped();
            MembershipView current = view;
            if (current != null && current.members().equals(r.members())) {
                return;
            }
            MembershipView next = new MembershipView(current == null ? 1 : current.epoch() + 1, r.members());
            view = next;
            if (current == null) {
                return;
            }
            LOG.log(
                    Level.INFO,
                    where() + ": view " + next.epoch() + ", " + next.serving().size() + " of "
                            + next.members().size() + " members serving");
            for (Listener l : listeners) {
                try {
                    l.viewChanged(next);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "a membership listener failed on view " + next.epoch(), e);
                }
            }
        }
    }

    /** The latest view; its epoch is this instance's own count (see the class notes). */
    @Override
    public MembershipView view() {
        synchronized (lock) {
            return Objects.requireNonNull(view, "started by build()");
        }
    }

    @Override
    public Subscription subscribe(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (lock) {
            if (!closed) {
                listeners.add(listener);
            }
        }
        return () -> listeners.remove(listener);
    }

    /** Stops watching (the pod stays a member while it is ready: see the class notes); the client stays open. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            listeners.clear();
        }
        // Outside the lock: the informer's thread may be waiting for it in refresh().
        informer.stop();
    }

    /** Builds a {@link KubernetesMembership}. */
    public static final class Builder {
        private final KubernetesClient client;
        private @Nullable String namespace;
        private @Nullable String service;
        private @Nullable String portName;
        private int portNumber;
        private ToDoubleFunction<String> weight = id -> 1;
        private Duration startTimeout = Duration.ofSeconds(30);

        private Builder(KubernetesClient client) {
            this.client = Objects.requireNonNull(client, "client");
        }

        /** The namespace of the Service (required; e.g. the pod's own, from the downward API). */
        public Builder namespace(String namespace) {
            this.namespace = requireText(namespace, "namespace");
            return this;
        }

        /** The name of the (headless) Service whose endpoints are the members (required). */
        public Builder service(String service) {
            this.service = requireText(service, "service");
            return this;
        }

        /** The peer port by its name in the Service's ports (e.g. {@code "peers"}); or give {@link #port(int)}. */
        public Builder portName(String name) {
            this.portName = Objects.requireNonNull(name, "name");
            this.portNumber = 0;
            return this;
        }

        /** The peer port by number, the same on every pod; or give {@link #portName(String)}. */
        public Builder port(int port) {
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("not a port: " + port);
            }
            this.portNumber = port;
            this.portName = null;
            return this;
        }

        /**
         * A member's weight from its id (the pod's name), positive and finite; 1 for all by default. An endpoint
         * whose weight fails is left out and logged.
         */
        public Builder weight(ToDoubleFunction<String> weightOfId) {
            this.weight = Objects.requireNonNull(weightOfId, "weightOfId");
            return this;
        }

        /** How long {@link #build()} waits for the first listing (30 s by default). */
        public Builder startTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("startTimeout must be positive: " + timeout);
            }
            this.startTimeout = timeout;
            return this;
        }

        /**
         * Starts watching and returns once the slices have been listed: {@link #view()} is then epoch 1.
         *
         * @throws IllegalStateException if the first listing fails (e.g. the service account may not list
         *     EndpointSlices) or takes longer than the start timeout
         */
        public KubernetesMembership build() {
            if (namespace == null || service == null) {
                throw new IllegalStateException("namespace and service are required");
            }
            if (portName == null && portNumber == 0) {
                throw new IllegalStateException("the peer port is required: portName(...) or port(...)");
            }
            KubernetesMembership m = new KubernetesMembership(this, client);
            m.start(startTimeout);
            return m;
        }

        private static String requireText(String s, String what) {
            if (s.isBlank()) {
                throw new IllegalArgumentException(what + " must not be blank");
            }
            return s;
        }
    }

    /** For tests: the reasons endpoints are left out now. */
    List<String> skipped() {
        synchronized (lock) {
            return List.copyOf(skipped);
        }
    }
}
