package io.tieredstore.pagestore;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * The local page store's only path to the file system for region files: a seam so tests can inject I/O
 * errors, short reads and a full disk deterministically. The default is plain {@link FileChannel}.
 */
interface StoreIo {
    /** Opens (creating if absent) a file for positioned reads and writes, and sets its permissions. */
    Handle open(Path path, FileModes modes) throws IOException;

    /** Deletes a file if it exists. */
    void delete(Path path) throws IOException;

    /** The bytes still free for this process on the file system of {@code directory}. */
    long usableSpace(Path directory) throws IOException;

    /** One open region file. Positioned operations may be called by many threads at once. */
    interface Handle extends Closeable {
        /** Reads into {@code dst} from {@code position}; returns the count or -1 at the end of the file. */
        int read(ByteBuffer dst, long position) throws IOException;

        /** Writes some of {@code src} at {@code position}; returns the count. */
        int write(ByteBuffer src, long position) throws IOException;

        /** Truncates the file to {@code size} bytes. */
        void truncate(long size) throws IOException;

        /** The file's size. */
        long size() throws IOException;

        /** Forces the file's content to the device. */
        void force() throws IOException;

        /** Fills {@code dst} from {@code position}; returns false if the file ends first. */
        default boolean readFully(ByteBuffer dst, long position) throws IOException {
            long at = position;
            while (dst.hasRemaining()) {
                final int n = read(dst, at);
                if (n < 0) {
                    return false;
                }
                at += n;
            }
            return true;
        }

        /** Writes all of {@code src} at {@code position}. */
        default void writeFully(ByteBuffer src, long position) throws IOException {
            long at = position;
            while (src.hasRemaining()) {
                at += write(src, at);
            }
        }
    }

    /** Plain file channels. */
    static StoreIo fileChannels() {
        return new StoreIo() {
            @Override
            public Handle open(Path path, FileModes modes) throws IOException {
                final ChannelHandle handle = new ChannelHandle(path, modes);
                try {
                    modes.apply(path);
                } catch (IOException | RuntimeException e) {
                    handle.close();
                    throw e;
                }
                return handle;
            }

            @Override
            public void delete(Path path) throws IOException {
                Files.deleteIfExists(path);
            }

            @Override
            public long usableSpace(Path directory) throws IOException {
                return Files.getFileStore(directory).getUsableSpace();
            }
        };
    }

    /**
     * A file channel that reopens itself when an interrupt of some reading thread closed it (a
     * FileChannel closes itself when a thread blocked in it is interrupted), so one interrupted caller
     * does not break the store.
     */
    final class ChannelHandle implements Handle {
        private static final Set<StandardOpenOption> OPTIONS =
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);

        private final Path path;
        private volatile FileChannel channel;
        private volatile boolean closed;

        ChannelHandle(Path path, FileModes modes) throws IOException {
            this.path = path;
            this.channel = FileChannel.open(path, OPTIONS, modes.fileAttributes(path));
        }

        private static FileChannel openChannel(Path path) throws IOException {
            return FileChannel.open(path, OPTIONS);
        }

        private synchronized FileChannel reopen(FileChannel broken) throws IOException {
            if (closed) {
                throw new ClosedChannelException();
            }
            if (channel.equals(broken)) { // FileChannel's equals is identity: still the broken instance?
                channel = openChannel(path);
            }
            return channel;
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            final FileChannel c = channel;
            try {
                return c.read(dst, position);
            } catch (ClosedChannelException e) {
                return reopen(c).read(dst, position);
            }
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            final FileChannel c = channel;
            try {
                return c.write(src, position);
            } catch (ClosedChannelException e) {
                return reopen(c).write(src, position);
            }
        }

        @Override
        public void truncate(long size) throws IOException {
            channel.truncate(size);
        }

        @Override
        public long size() throws IOException {
            return channel.size();
        }

        @Override
        public void force() throws IOException {
            channel.force(true);
        }

        @Override
        public synchronized void close() throws IOException {
            closed = true;
            channel.close();
        }
    }
}
