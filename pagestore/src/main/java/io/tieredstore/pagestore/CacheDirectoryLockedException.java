package io.tieredstore.pagestore;

import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalLong;

/** Thrown when a store opens a cache directory that another open store (in any process) holds. */
public final class CacheDirectoryLockedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final String directory;
    private final long holderPid;

    CacheDirectoryLockedException(Path directory, long holderPid) {
        super(String.format(
                Locale.ROOT,
                "cache directory %s is in use by another store (%s); close it first, or give each store its own"
                        + " directories",
                directory,
                holderPid > 0 ? "process " + holderPid : "process unknown"));
        this.directory = directory.toString();
        this.holderPid = holderPid;
    }

    /** The directory that is in use. */
    public Path directory() {
        return Path.of(directory);
    }

    /** The process id of the store holding the directory, if it could be read from the lock file. */
    public OptionalLong holderPid() {
        return holderPid > 0 ? OptionalLong.of(holderPid) : OptionalLong.empty();
    }
}
