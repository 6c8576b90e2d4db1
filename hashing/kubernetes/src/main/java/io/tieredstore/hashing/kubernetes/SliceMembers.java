package io.tieredstore.hashing.kubernetes;

import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.tieredstore.hashing.Member;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Turns the EndpointSlices of one Service into members: a pure function, so that the informer's thread only
 * reads its cache and compares.
 *
 * <p>Design notes. An endpoint's id is its {@code targetRef} name (the pod's name, stable across restarts of its
 * container and never its IP), else its hostname. The address is the first of its addresses (all of one family
 * in a slice; the others are the same pod) with the peer port: by name it comes from the slice's own port list
 * (slices of one Service may differ while a Service is edited), by number it is used as given. Kubernetes says a
 * consumer must expect an endpoint in two slices for a moment (the controller moves endpoints between slices);
 * such duplicates merge to one member, the one in the better state (serving, then not ready, then leaving), then
 * by address, so that every instance picks the same. What cannot become a member is reported, not thrown: one
 * bad endpoint must not hide the others.
 */
final class SliceMembers {
    private SliceMembers() {}

    /** The members found, in id order, and why the others were left out (one line each, sorted). */
    record Result(List<Member> members, Set<String> skipped) {}

    /**
     * The members of {@code slices}.
     *
     * @param portName the name of the peer port in the slices' port lists; null when {@code portNumber} is used
     * @param portNumber the peer port when no name is given
     * @param weight a member's weight from its id
     */
    static Result of(
            Collection<EndpointSlice> slices,
            @Nullable String portName,
            int portNumber,
            ToDoubleFunction<String> weight) {
        Map<String, Member> byId = new HashMap<>();
        TreeSet<String> skipped = new TreeSet<>();
        for (EndpointSlice slice : slices) {
            String sliceName =
                    slice.getMetadata() == null ? "?" : slice.getMetadata().getName();
            Integer port = portName == null ? Integer.valueOf(portNumber) : namedPort(slice, portName);
            List<Endpoint> endpoints = slice.getEndpoints() == null ? List.of() : slice.getEndpoints();
            if (port == null) {
                if (!endpoints.isEmpty()) {
                    skipped.add("slice " + sliceName + " has no port named '" + portName + "'");
                }
                continue;
            }
            for (Endpoint e : endpoints) {
                Member m = member(e, port, weight, sliceName, skipped);
                if (m != null) {
                    byId.merge(m.id(), m, SliceMembers::better);
                }
            }
        }
        List<Member> members = new ArrayList<>(byId.values());
        members.sort(Comparator.comparing(Member::id));
        return new Result(List.copyOf(members), Collections.unmodifiableSet(skipped));
    }

    private static @Nullable Integer namedPort(EndpointSlice slice, String name) {
        if (slice.getPorts() == null) {
            return null;
        }
        for (EndpointPort p : slice.getPorts()) {
            // The API leaves an unnamed port's name empty or out; either matches a name of "".
            String n = p.getName() == null ? "" : p.getName();
            if (n.equals(name) && p.getPort() != null) {
                return p.getPort();
            }
        }
        return null;
    }

    private static @Nullable Member member(
            Endpoint e, int port, ToDoubleFunction<String> weight, String sliceName, Set<String> skipped) {
        String host = firstAddress(e);
        String id = id(e);
        if (id == null) {
            skipped.add("slice " + sliceName + ": endpoint " + (host == null ? "?" : host)
                    + " has neither a targetRef name nor a hostname");
            return null;
        }
        if (host == null) {
            skipped.add("slice " + sliceName + ": endpoint " + id + " has no address");
            return null;
        }
        double w;
        try {
            w = weight.applyAsDouble(id);
        } catch (RuntimeException ex) {
            skipped.add("endpoint " + id + ": its weight failed: " + ex);
            return null;
        }
        if (!(w > 0) || Double.isInfinite(w)) {
            skipped.add("endpoint " + id + ": its weight is not positive and finite: " + w);
            return null;
        }
        String address = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        return new Member(id, address, w, state(e.getConditions()));
    }

    private static @Nullable String id(Endpoint e) {
        ObjectReference ref = e.getTargetRef();
        if (ref != null && ref.getName() != null && !ref.getName().isBlank()) {
            return ref.getName();
        }
        String hostname = e.getHostname();
        return hostname == null || hostname.isBlank() ? null : hostname;
    }

    private static @Nullable String firstAddress(Endpoint e) {
        List<String> addresses = e.getAddresses();
        if (addresses == null || addresses.isEmpty()) {
            return null;
        }
        String a = addresses.get(0);
        return a == null || a.isBlank() ? null : a;
    }

    /** Terminating wins (a terminating endpoint is never ready); an unset ready counts as ready, as the API says. */
    static Member.State state(@Nullable EndpointConditions c) {
        if (c == null) {
            return Member.State.SERVING;
        }
        if (Boolean.TRUE.equals(c.getTerminating())) {
            return Member.State.LEAVING;
        }
        return Boolean.FALSE.equals(c.getReady()) ? Member.State.NOT_READY : Member.State.SERVING;
    }

    private static Member better(Member a, Member b) {
        int byState = Integer.compare(rank(a.state()), rank(b.state()));
        if (byState != 0) {
            return byState < 0 ? a : b;
        }
        return a.address().compareTo(b.address()) <= 0 ? a : b;
    }

    private static int rank(Member.State s) {
        return switch (s) {
            case SERVING -> 0;
            case NOT_READY -> 1;
            case LEAVING -> 2;
        };
    }
}
