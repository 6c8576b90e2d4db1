/**
 * Membership on ZooKeeper through Apache Curator: every instance holds an ephemeral node under a group path, and
 * every instance's view is that group's children.
 */
@NullMarked
package io.tieredstore.hashing.zookeeper;

import org.jspecify.annotations.NullMarked;
