package io.tieredstore.hashing.kubernetes;

import static io.tieredstore.hashing.kubernetes.Slices.pod;
import static io.tieredstore.hashing.kubernetes.Slices.ready;
import static io.tieredstore.hashing.kubernetes.Slices.slice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.tieredstore.hashing.Member;
import io.tieredstore.hashing.Member.State;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The slices-to-members function alone: ids, addresses, states, duplicates and what it leaves out. */
final class SliceMembersTest {
    @Test
    void endpointsBecomeMembersNamedByTheirPodAtTheNamedPort() {
        SliceMembers.Result r = SliceMembers.of(
                List.of(slice(
                        "s-1",
                        "cache",
                        ready("cache-1", "10.0.0.2"),
                        pod("cache-0", "10.0.0.1", null, null),
                        pod("cache-2", "10.0.0.3", false, false),
                        pod("cache-3", "10.0.0.4", false, true))),
                "peers",
                0,
                id -> id.equals("cache-1") ? 2 : 1);
        assertEquals(
                List.of(
                        new Member("cache-0", "10.0.0.1:7070", 1, State.SERVING),
                        new Member("cache-1", "10.0.0.2:7070", 2, State.SERVING),
                        new Member("cache-2", "10.0.0.3:7070", 1, State.NOT_READY),
                        new Member("cache-3", "10.0.0.4:7070", 1, State.LEAVING)),
                r.members());
        assertTrue(r.skipped().isEmpty(), r.skipped().toString());
    }

    @Test
    void aPortGivenByNumberIsUsedAsGivenAndIpv6GetsBrackets() {
        Endpoint v6 = new EndpointBuilder(ready("cache-0", "fd00::1")).build();
        SliceMembers.Result r = SliceMembers.of(List.of(slice("s", "cache", v6)), null, 9000, id -> 1);
        assertEquals(List.of(Member.serving("cache-0", "[fd00::1]:9000")), r.members());
    }

    @Test
    void anEndpointInTwoSlicesIsOneMemberInItsBetterState() {
        SliceMembers.Result r = SliceMembers.of(
                List.of(
                        slice("s-1", "cache", pod("cache-0", "10.0.0.1", false, false)),
                        slice("s-2", "cache", ready("cache-0", "10.0.0.1"))),
                "peers",
                0,
                id -> 1);
        assertEquals(List.of(Member.serving("cache-0", "10.0.0.1:7070")), r.members());
    }

    @Test
    void endpointsWithoutIdAddressPortOrWeightAreLeftOutWithAReason() {
        Endpoint noAddress = new EndpointBuilder(ready("cache-9", "10.0.0.9"))
                .withAddresses(List.of())
                .build();
        Endpoint noId = new EndpointBuilder().withAddresses("10.0.0.8").build();
        Endpoint byHostname = new EndpointBuilder()
                .withAddresses("10.0.0.7")
                .withHostname("host-7")
                .build();
        EndpointSlice unnamedPort = new EndpointSliceBuilder(slice("s-2", "cache", ready("cache-5", "10.0.0.5")))
                .withPorts(new EndpointPortBuilder().withPort(80).build())
                .build();
        SliceMembers.Result r = SliceMembers.of(
                List.of(slice("s-1", "cache", noAddress, noId, byHostname, ready("cache-6", "10.0.0.6")), unnamedPort),
                "peers",
                0,
                id -> id.equals("cache-6") ? 0 : 1);
        assertEquals(List.of(Member.serving("host-7", "10.0.0.7:7070")), r.members());
        assertEquals(4, r.skipped().size(), r.skipped().toString());
        assertTrue(r.skipped().stream().anyMatch(s -> s.contains("cache-9") && s.contains("no address")));
        assertTrue(r.skipped().stream().anyMatch(s -> s.contains("10.0.0.8") && s.contains("neither")));
        assertTrue(r.skipped().stream().anyMatch(s -> s.contains("s-2") && s.contains("no port named")));
        assertTrue(r.skipped().stream().anyMatch(s -> s.contains("cache-6") && s.contains("weight")));

        SliceMembers.Result unnamed = SliceMembers.of(List.of(unnamedPort), "", 0, id -> 1);
        assertEquals(List.of(Member.serving("cache-5", "10.0.0.5:80")), unnamed.members());
    }
}
