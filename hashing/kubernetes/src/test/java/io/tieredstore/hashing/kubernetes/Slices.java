package io.tieredstore.hashing.kubernetes;

import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditionsBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.List;

/** EndpointSlices as the EndpointSlice controller writes them, for the tests. */
final class Slices {
    private Slices() {}

    /** The peer port's number in every slice built here ({@code "peers"}); an {@code "http"} port is 8080. */
    static final int PEERS = 7070;

    /** A slice of {@code service} with the ports {@code http} 8080 and {@code peers} 7070. */
    static EndpointSlice slice(String name, String service, Endpoint... endpoints) {
        return new EndpointSliceBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels(KubernetesMembership.SERVICE_NAME_LABEL, service)
                .endMetadata()
                .withAddressType("IPv4")
                .withPorts(
                        new EndpointPortBuilder()
                                .withName("http")
                                .withPort(8080)
                                .withProtocol("TCP")
                                .build(),
                        new EndpointPortBuilder()
                                .withName("peers")
                                .withPort(PEERS)
                                .withProtocol("TCP")
                                .build())
                .withEndpoints(List.of(endpoints))
                .build();
    }

    /** A pod's endpoint with these conditions (null: left out, as the API allows). */
    static Endpoint pod(String pod, String ip, Boolean ready, Boolean terminating) {
        return new EndpointBuilder()
                .withAddresses(ip)
                .withTargetRef(new ObjectReferenceBuilder()
                        .withKind("Pod")
                        .withName(pod)
                        .withNamespace("ignored")
                        .build())
                .withConditions(new EndpointConditionsBuilder()
                        .withReady(ready)
                        .withServing(ready)
                        .withTerminating(terminating)
                        .build())
                .build();
    }

    /** A ready pod's endpoint. */
    static Endpoint ready(String pod, String ip) {
        return pod(pod, ip, true, false);
    }
}
