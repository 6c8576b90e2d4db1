package io.tieredstore.core;

import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * {@link Origin#stream}'s default: a range of a version fetched in pieces, each when the reader reaches it;
 * pieces start at {@value #FIRST_PIECE} bytes, so the first byte comes soon, and double up to
 * {@value #MAX_PIECE}, which bounds the memory held.
 */
final class PieceStream extends InputStream {
    static final int FIRST_PIECE = 64 << 10;
    static final int MAX_PIECE = 8 << 20;

    private final Origin origin;
    private final ObjectVersion version;
    private final long end;
    private long next;
    private ByteBuffer piece;
    private int pieceSize = FIRST_PIECE;

    /** The first piece is fetched now, so that a version the origin no longer has fails here. */
    PieceStream(Origin origin, ObjectVersion version, long offset, long length) {
        this.origin = origin;
        this.version = version;
        this.next = offset;
        this.end = offset + length;
        this.piece = ByteBuffer.allocate(0);
        if (length > 0) {
            piece = nextPiece();
        }
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (len == 0) {
            return 0;
        }
        if (!piece.hasRemaining()) {
            if (next >= end) {
                return -1;
            }
            piece = nextPiece();
        }
        int n = Math.min(len, piece.remaining());
        piece.get(b, off, n);
        return n;
    }

    private ByteBuffer nextPiece() {
        int n = (int) Math.min(pieceSize, end - next);
        pieceSize = Math.min(MAX_PIECE, pieceSize * 2);
        ByteBuffer bytes = origin.fetch(version, next, n);
        next += n;
        return bytes;
    }
}
