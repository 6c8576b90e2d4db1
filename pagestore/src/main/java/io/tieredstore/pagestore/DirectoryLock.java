package io.tieredstore.pagestore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An exclusive lock on every cache directory of one store, from open to close, so that two stores
 * (in one JVM or two) never write over each other's regions. Each directory holds a lock file with the
 * holder's pid; the OS releases the lock when the holder exits, even by SIGKILL.
 */
final class DirectoryLock implements AutoCloseable {
    /*
     * The OS lock is an fcntl lock, and such locks belong to the process: closing any descriptor of the
     * lock file in the holding process drops it, even one opened only to try the lock again or to read
     * the pid. So this process never opens the lock file of a directory it already holds: LOCKED (the
     * directories held by this process, by file key) answers that case before any file is opened, and
     * the refusal names this process. This is the one piece of per-process state in the store, and it
     * mirrors the OS's: the lock itself is per process.
     */

    /** The lock file's name in each cache directory. */
    static final String FILE_NAME = "tieredstore.lock";

    private static final Set<Object> LOCKED = ConcurrentHashMap.newKeySet();

    private final List<Held> held;

    private record Held(Object key, FileChannel channel) {}

    private DirectoryLock(List<Held> held) {
        this.held = held;
    }

    /**
     * Creates the directories if absent (with {@code modes}) and locks each; throws {@link
     * CacheDirectoryLockedException} if a directory is held, releasing those already locked.
     */
    static DirectoryLock acquire(List<Path> directories, FileModes modes) {
        final List<Held> held = new ArrayList<>(directories.size());
        final DirectoryLock lock = new DirectoryLock(held);
        try {
            for (Path dir : directories) {
                held.add(lockOne(dir, modes));
            }
            return lock;
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static Held lockOne(Path dir, FileModes modes) {
        final long pid = ProcessHandle.current().pid();
        final Object key;
        try {
            modes.createDirectories(dir);
            final Object fileKey =
                    Files.readAttributes(dir, BasicFileAttributes.class).fileKey();
            key = fileKey != null ? fileKey : dir.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create cache directory " + dir, e);
        }
        if (!LOCKED.add(key)) {
            throw new CacheDirectoryLockedException(dir, pid);
        }
        FileChannel channel = null;
        try {
            final Path file = dir.resolve(FILE_NAME);
            channel = FileChannel.open(
                    file,
                    Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
                    modes.fileAttributes(file));
            modes.apply(file);
            FileLock fileLock;
            try {
                fileLock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                // Held in this JVM outside this class; closing our channel below may drop that lock.
                fileLock = null;
            }
            if (fileLock == null) {
                throw new CacheDirectoryLockedException(dir, readPid(channel));
            }
            channel.truncate(0);
            writePid(channel, pid);
            return new Held(key, channel);
        } catch (IOException | RuntimeException e) {
            LOCKED.remove(key);
            if (channel != null) {
                try {
                    channel.close(); // this process held no lock on this file: closing drops nothing
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new UncheckedIOException("cannot lock cache directory " + dir, (IOException) e);
        }
    }

    /** Writes the pid for a refused opener's message; a full disk leaves the file empty ("process unknown"). */
    private static void writePid(FileChannel channel, long pid) {
        final ByteBuffer content = ByteBuffer.wrap((pid + "\n").getBytes(StandardCharsets.US_ASCII));
        try {
            while (content.hasRemaining()) {
                channel.write(content, content.position());
            }
        } catch (IOException e) {
            try {
                channel.truncate(0);
            } catch (IOException ignored) {
                // A partial pid fails to parse or names no live process; the lock holds either way.
            }
        }
    }

    /** The pid the holder wrote, or -1 if the file holds none (yet). */
    private static long readPid(FileChannel channel) throws IOException {
        final ByteBuffer buffer = ByteBuffer.allocate(24);
        while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) > 0) {
            // Reads until the end of the file or the buffer.
        }
        final String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Releases every directory. */
    @Override
    public void close() {
        for (Held h : held) {
            try {
                h.channel().close(); // releases the lock
            } catch (IOException e) {
                // The lock goes with the process at the latest.
            } finally {
                LOCKED.remove(h.key());
            }
        }
        held.clear();
    }
}
