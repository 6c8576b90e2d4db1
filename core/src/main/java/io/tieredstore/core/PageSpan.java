package io.tieredstore.core;

/**
 * A byte range of one object version cut into page pieces: for each page touched, where the piece starts in
 * the page, its length, and where it lands relative to the range's start. Reads from the tiers and fills from
 * the origin use the same pieces. It holds no array, so that a read all of whose pages hit allocates none.
 */
final class PageSpan {
    private final ObjectVersion version;
    private final int pageSize;
    private final long offset;
    private final long end;
    private final long firstPage;
    private final int pages;

    /** The pieces of {@code [offset, offset + length)}, which must lie within the object and not be empty. */
    PageSpan(ObjectVersion version, int pageSize, long offset, int length) {
        this.version = version;
        this.pageSize = pageSize;
        this.offset = offset;
        this.end = offset + length;
        this.firstPage = offset / pageSize;
        this.pages = (int) ((end - 1) / pageSize - firstPage + 1);
    }

    ObjectVersion version() {
        return version;
    }

    /** How many pages the range touches. */
    int pages() {
        return pages;
    }

    /** The index in the object of the range's {@code i}-th page. */
    long page(int i) {
        return firstPage + i;
    }

    /** A new key of the {@code i}-th page: build it once per page and pass it on. */
    PageKey key(int i) {
        return PageKey.of(version, firstPage + i);
    }

    /** The whole length of the {@code i}-th page (shorter than the page size only for the object's last page). */
    int pageLength(int i) {
        return (int) Math.min(pageSize, version.length() - (firstPage + i) * pageSize);
    }

    /** Where the {@code i}-th piece starts within its page. */
    int from(int i) {
        long pageStart = (firstPage + i) * pageSize;
        return (int) (Math.max(offset, pageStart) - pageStart);
    }

    /** The length of the {@code i}-th piece. */
    int length(int i) {
        long pageStart = (firstPage + i) * pageSize;
        return (int) (Math.min(end, pageStart + pageSize) - Math.max(offset, pageStart));
    }

    /** Where the {@code i}-th piece lands, counted from the range's first byte. */
    int at(int i) {
        long pageStart = (firstPage + i) * pageSize;
        return (int) (Math.max(offset, pageStart) - offset);
    }
}
