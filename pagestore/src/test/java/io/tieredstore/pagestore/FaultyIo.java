package io.tieredstore.pagestore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fault-injecting {@link StoreIo} over real files: read and write errors at a seeded rate, short reads,
 * and a simulated device of a given size that fails writes past it with ENOSPC's message.
 */
final class FaultyIo implements StoreIo {
    private final StoreIo delegate = StoreIo.fileChannels();
    private final SplittableRandom random;
    private final Map<Path, AtomicLong> sizes = new ConcurrentHashMap<>();
    volatile double readErrorRate;
    volatile double writeErrorRate;
    volatile double shortReadRate;
    volatile long deviceBytes = Long.MAX_VALUE;
    final AtomicLong injected = new AtomicLong();

    FaultyIo(long seed) {
        this.random = new SplittableRandom(seed);
    }

    private synchronized boolean roll(double rate) {
        return rate > 0 && random.nextDouble() < rate;
    }

    long usedDeviceBytes() {
        return sizes.values().stream().mapToLong(AtomicLong::get).sum();
    }

    @Override
    public Handle open(Path path, FileModes modes) throws IOException {
        final Handle h = delegate.open(path, modes);
        final AtomicLong size = sizes.computeIfAbsent(path, p -> new AtomicLong());
        size.set(h.size());
        return new Handle() {
            @Override
            public int read(ByteBuffer dst, long position) throws IOException {
                if (roll(readErrorRate)) {
                    injected.incrementAndGet();
                    throw new IOException("injected read error");
                }
                if (roll(shortReadRate)) {
                    injected.incrementAndGet();
                    return -1;
                }
                return h.read(dst, position);
            }

            @Override
            public int write(ByteBuffer src, long position) throws IOException {
                if (roll(writeErrorRate)) {
                    injected.incrementAndGet();
                    throw new IOException("injected write error");
                }
                synchronized (FaultyIo.this) {
                    final long end = position + src.remaining();
                    final long growth = Math.max(0, end - size.get());
                    if (usedDeviceBytes() + growth > deviceBytes) {
                        injected.incrementAndGet();
                        throw new IOException("No space left on device");
                    }
                    final int n = h.write(src, position);
                    size.set(Math.max(size.get(), position + n));
                    return n;
                }
            }

            @Override
            public void truncate(long newSize) throws IOException {
                synchronized (FaultyIo.this) {
                    h.truncate(newSize);
                    size.set(Math.min(size.get(), newSize));
                }
            }

            @Override
            public long size() throws IOException {
                return h.size();
            }

            @Override
            public void force() throws IOException {
                h.force();
            }

            @Override
            public void close() throws IOException {
                h.close();
            }
        };
    }

    /** The simulated device's free bytes, or the real file system's if no device size is set. */
    @Override
    public long usableSpace(Path directory) throws IOException {
        final long device = deviceBytes;
        return device == Long.MAX_VALUE ? delegate.usableSpace(directory) : Math.max(0, device - usedDeviceBytes());
    }

    @Override
    public void delete(Path path) throws IOException {
        delegate.delete(path);
        sizes.remove(path);
    }
}
