/**
 * Membership from Kubernetes: the EndpointSlices of a headless Service, watched through the fabric8 client, so
 * that a pod's readiness decides whether it owns page groups.
 */
@NullMarked
package io.tieredstore.hashing.kubernetes;

import org.jspecify.annotations.NullMarked;
