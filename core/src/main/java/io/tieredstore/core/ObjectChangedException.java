package io.tieredstore.core;

import org.jspecify.annotations.Nullable;

/**
 * The object changed at the origin while it was being read: a conditional fill ({@code If-Match}) found
 * another version. No bytes of the new version were mixed with the old one; read again to get the new one.
 */
public final class ObjectChangedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient ObjectVersion expected;
    private final @Nullable String found;

    /** The read expected {@code expected} and the origin has {@code found} (null when it did not say). */
    public ObjectChangedException(ObjectVersion expected, @Nullable String found) {
        super("object changed while reading: " + expected.id() + " expected version " + expected.version()
                + (found == null ? "" : ", origin has " + found));
        this.expected = expected;
        this.found = found;
    }

    /** The version the read started on. */
    public ObjectVersion expected() {
        return expected;
    }

    /** The version the origin has now, if it said. */
    public @Nullable String found() {
        return found;
    }
}
