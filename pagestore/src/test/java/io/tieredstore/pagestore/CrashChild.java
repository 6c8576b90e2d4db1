package io.tieredstore.pagestore;

import io.tieredstore.core.PageKey;
import io.tieredstore.core.TierContractTest;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The child JVM of {@link LocalPageStoreCrashTest}: opens the store in the given directory and writes
 * pages whose content is a pure function of their key until it is killed, printing a line every 50
 * writes so the parent can kill it at a random point.
 */
final class CrashChild {
    private CrashChild() {}

    public static void main(String[] args) {
        final Path dir = Path.of(args[0]);
        final SplittableRandom random = new SplittableRandom(Long.parseLong(args[1]));
        try (LocalPageStore store = LocalPageStoreCrashTest.open(dir)) {
            System.out.println("ready");
            System.out.flush();
            for (long n = 1; ; n++) {
                final PageKey key = LocalPageStoreCrashTest.randomKey(random);
                final int length = LocalPageStoreTest.lengthOf(key);
                store.write(key, TierContractTest.page(key, length));
                store.write(key, TierContractTest.page(key, length)); // a second offer passes admission
                if (random.nextInt(64) == 0) {
                    store.invalidate(key.id());
                }
                if (n % 50 == 0) {
                    System.out.println(n);
                    System.out.flush();
                }
            }
        }
    }
}
