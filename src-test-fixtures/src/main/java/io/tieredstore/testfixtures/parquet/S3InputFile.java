package io.tieredstore.testfixtures.parquet;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A parquet-java {@link InputFile} over an S3 object, read with ranged GETs through any {@link S3Client}: the bare
 * SDK client (what a reader without a cache pays per read) or a caching client over a store (parquet-java reading
 * through the cache).
 *
 * <p>A read of at least the read-ahead size (a column chunk, a footer) is one ranged GET of exactly the bytes asked
 * for, straight into the caller's array. A smaller read (the Thrift decoder reading a page index a few bytes at a
 * time, the 8-byte tail) is served from a buffer filled by one ranged GET of up to the read-ahead size from the
 * position read, as S3A-style readers do; a seek within the buffer costs nothing.
 *
 * <p>Streams are not thread-safe (one per reader, as parquet-java uses them); the file itself is.
 */
public final class S3InputFile implements InputFile {
    /** Default read-ahead of small reads: 64 KiB. */
    public static final int DEFAULT_READ_AHEAD = 64 << 10;

    private static final int MAX_BODY_RETRIES = 2;

    private final S3Client s3;
    private final String bucket;
    private final String key;
    private final long length;
    private final int readAhead;
    private final AtomicLong gets = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();

    private S3InputFile(S3Client s3, String bucket, String key, long length, int readAhead) {
        this.s3 = Objects.requireNonNull(s3, "s3");
        this.bucket = Objects.requireNonNull(bucket, "bucket");
        this.key = Objects.requireNonNull(key, "key");
        if (length < 0 || readAhead < 1) {
            throw new IllegalArgumentException("length " + length + ", readAhead " + readAhead);
        }
        this.length = length;
        this.readAhead = readAhead;
    }

    /**
     * The object {@code bucket/key} of known {@code length} (from a listing or a table's manifest): no request is
     * made until a stream reads.
     */
    public static S3InputFile of(S3Client s3, String bucket, String key, long length) {
        return new S3InputFile(s3, bucket, key, length, DEFAULT_READ_AHEAD);
    }

    /** The same with a read-ahead of {@code readAhead} bytes for small reads. */
    public static S3InputFile of(S3Client s3, String bucket, String key, long length, int readAhead) {
        return new S3InputFile(s3, bucket, key, length, readAhead);
    }

    /** The object {@code bucket/key}, its length learnt with one HEAD now. */
    public static S3InputFile open(S3Client s3, String bucket, String key) {
        long length = s3.headObject(b -> b.bucket(bucket).key(key)).contentLength();
        return new S3InputFile(s3, bucket, key, length, DEFAULT_READ_AHEAD);
    }

    @Override
    public long getLength() {
        return length;
    }

    @Override
    public SeekableInputStream newStream() {
        return new Stream();
    }

    /** Ranged GETs sent by this file's streams so far. */
    public long gets() {
        return gets.get();
    }

    @Override
    public String toString() {
        return "s3://" + bucket + "/" + key;
    }

    /** Ranged GETs sent again after a body broke off mid-read. */
    public long retries() {
        return retries.get();
    }

    /**
     * Reads {@code n} bytes at {@code position} into {@code dst} with one ranged GET; a body that breaks off is read
     * again up to {@value #MAX_BODY_RETRIES} times (the SDK retries failed requests, not failed bodies).
     */
    private void get(long position, byte[] dst, int offset, int n) throws IOException {
        String range = "bytes=" + position + "-" + (position + n - 1);
        for (int attempt = 0; ; attempt++) {
            gets.incrementAndGet();
            try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(key).range(range))) {
                int got = in.readNBytes(dst, offset, n);
                if (got != n) {
                    throw new EOFException(this + ": " + range + " returned " + got + " bytes");
                }
                return;
            } catch (IOException e) {
                if (attempt >= MAX_BODY_RETRIES) {
                    throw e;
                }
                retries.incrementAndGet();
            }
        }
    }

    private final class Stream extends SeekableInputStream {
        private final byte[] buffer = new byte[readAhead];
        private long bufferStart;
        private int bufferLength;
        private long position;

        @Override
        public long getPos() {
            return position;
        }

        @Override
        public void seek(long newPos) throws IOException {
            if (newPos < 0 || newPos > length) {
                throw new EOFException(S3InputFile.this + ": seek to " + newPos + " outside [0, " + length + "]");
            }
            position = newPos;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (position >= length) {
                return -1;
            }
            int n = (int) Math.min(len, length - position);
            if (!buffered()) {
                if (n >= readAhead) {
                    get(position, b, off, n);
                    position += n;
                    return n;
                }
                bufferStart = position;
                bufferLength = (int) Math.min(readAhead, length - position);
                get(bufferStart, buffer, 0, bufferLength);
            }
            int from = (int) (position - bufferStart);
            int m = Math.min(n, bufferLength - from);
            System.arraycopy(buffer, from, b, off, m);
            position += m;
            return m;
        }

        private boolean buffered() {
            return position >= bufferStart && position < bufferStart + bufferLength;
        }

        @Override
        public long skip(long n) {
            long m = Math.max(0, Math.min(n, length - position));
            position += m;
            return m;
        }

        @Override
        public int available() {
            return buffered() ? (int) (bufferStart + bufferLength - position) : 0;
        }

        @Override
        public void readFully(byte[] bytes) throws IOException {
            readFully(bytes, 0, bytes.length);
        }

        @Override
        public void readFully(byte[] bytes, int start, int len) throws IOException {
            int done = 0;
            while (done < len) {
                int n = read(bytes, start + done, len - done);
                if (n < 0) {
                    throw new EOFException(S3InputFile.this + ": end of object at " + position);
                }
                done += n;
            }
        }

        @Override
        public int read(ByteBuffer buf) throws IOException {
            if (!buf.hasRemaining()) {
                return 0;
            }
            if (buf.hasArray()) {
                int n = read(buf.array(), buf.arrayOffset() + buf.position(), buf.remaining());
                if (n > 0) {
                    buf.position(buf.position() + n);
                }
                return n;
            }
            byte[] tmp = new byte[buf.remaining()];
            int n = read(tmp, 0, tmp.length);
            if (n > 0) {
                buf.put(tmp, 0, n);
            }
            return n;
        }

        @Override
        public void readFully(ByteBuffer buf) throws IOException {
            if (buf.hasArray()) {
                int n = buf.remaining();
                readFully(buf.array(), buf.arrayOffset() + buf.position(), n);
                buf.position(buf.position() + n);
                return;
            }
            byte[] tmp = new byte[buf.remaining()];
            readFully(tmp, 0, tmp.length);
            buf.put(tmp);
        }
    }
}
