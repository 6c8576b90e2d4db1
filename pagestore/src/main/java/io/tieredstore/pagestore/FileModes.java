package io.tieredstore.pagestore;

import static io.tieredstore.core.internal.Checks.requireArgument;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The POSIX permissions of the store's files (owner read and write by default) and directories (the
 * same plus search wherever read is granted). A new file or directory is created with them, so the
 * umask can only narrow them and nothing is ever more open than asked; then they are set exactly, which
 * also tightens files and directories left by an older version. On file systems without POSIX
 * permissions nothing is changed.
 */
final class FileModes {
    /** Owner read and write: {@code rw-------}, directories {@code rwx------}. */
    static final Set<PosixFilePermission> OWNER_ONLY =
            Collections.unmodifiableSet(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));

    private final Set<PosixFilePermission> files;
    private final Set<PosixFilePermission> directories;

    FileModes(Set<PosixFilePermission> files) {
        requireArgument(
                files.contains(PosixFilePermission.OWNER_READ) && files.contains(PosixFilePermission.OWNER_WRITE),
                "file permissions must include owner read and write: %s",
                PosixFilePermissions.toString(toSet(files)));
        requireArgument(
                !files.contains(PosixFilePermission.OWNER_EXECUTE)
                        && !files.contains(PosixFilePermission.GROUP_EXECUTE)
                        && !files.contains(PosixFilePermission.OTHERS_EXECUTE),
                "file permissions must not include execute: %s",
                PosixFilePermissions.toString(toSet(files)));
        this.files = Collections.unmodifiableSet(toSet(files));
        final Set<PosixFilePermission> dirs = toSet(files);
        dirs.add(PosixFilePermission.OWNER_EXECUTE);
        if (files.contains(PosixFilePermission.GROUP_READ)) {
            dirs.add(PosixFilePermission.GROUP_EXECUTE);
        }
        if (files.contains(PosixFilePermission.OTHERS_READ)) {
            dirs.add(PosixFilePermission.OTHERS_EXECUTE);
        }
        this.directories = Collections.unmodifiableSet(dirs);
    }

    private static Set<PosixFilePermission> toSet(Set<PosixFilePermission> permissions) {
        final Set<PosixFilePermission> copy = EnumSet.noneOf(PosixFilePermission.class);
        copy.addAll(permissions);
        return copy;
    }

    /** The permissions of region and lock files. */
    Set<PosixFilePermission> files() {
        return files;
    }

    /** Creates {@code dir} and any missing parents with the directory permissions and sets them on {@code dir}. */
    void createDirectories(Path dir) throws IOException {
        if (!posix(dir)) {
            Files.createDirectories(dir);
            return;
        }
        final List<Path> missing = new ArrayList<>();
        for (Path p = dir.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) {
            missing.add(p);
        }
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(directories));
        for (Path p : missing) {
            Files.setPosixFilePermissions(p, directories); // exactly, whatever the umask took away
        }
        Files.setPosixFilePermissions(dir, directories); // also a directory an older version created
    }

    /** The attributes to create a file with: its permissions, or none off POSIX. */
    FileAttribute<?>[] fileAttributes(Path file) {
        return posix(file)
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(files)}
                : new FileAttribute<?>[0];
    }

    /** Sets a file's permissions exactly (a no-op off POSIX). */
    void apply(Path file) throws IOException {
        if (posix(file)) {
            Files.setPosixFilePermissions(file, files);
        }
    }

    /** The file permissions, as {@code rw-------}. */
    @Override
    public String toString() {
        return PosixFilePermissions.toString(files);
    }

    private static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
