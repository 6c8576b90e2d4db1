package io.tieredstore.core;

/** The tier contract over core's own test tier, bounded as the contract's capacity tests need. */
final class MapTierTest extends TierContractTest {
    @Override
    protected Tier newTier(long capacityBytes, int pageSize) {
        return new MapTier("map", capacityBytes, pageSize);
    }
}
