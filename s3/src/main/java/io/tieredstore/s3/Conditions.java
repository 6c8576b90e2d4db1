package io.tieredstore.s3;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether a cached version may answer a conditional request: only when every condition the request
 * carries certainly holds, so that S3 would answer 200 as well. Anything else (a condition that fails, or
 * one whose outcome depends on how S3 reads an odd header) is answered by S3 itself.
 */
final class Conditions {
    /*
     * S3 follows RFC 9110 section 13.2.2 with two overrides: If-Match true beats If-Unmodified-Since false
     * (200), and If-None-Match false beats If-Modified-Since true (304). Overrides only ever turn a failure
     * into a success or keep a failure, so "every present condition holds on its own" is a sound test for
     * S3's 200. Dates go over the wire in whole seconds (RFC 1123), and Last-Modified has whole seconds too;
     * an equal date is left to S3, as is a weak or unquoted tag.
     */

    private Conditions() {}

    /** Whether a request with these headers certainly gets 200 from S3 for an object with this ETag and date. */
    static boolean allHold(
            @Nullable String ifMatch,
            @Nullable String ifNoneMatch,
            @Nullable Instant ifModifiedSince,
            @Nullable Instant ifUnmodifiedSince,
            String eTag,
            @Nullable Instant lastModified) {
        if (ifMatch != null && !matchesExactly(ifMatch, eTag)) {
            return false;
        }
        if (ifNoneMatch != null && !certainlyMatchesNone(ifNoneMatch, eTag)) {
            return false;
        }
        if (ifModifiedSince != null || ifUnmodifiedSince != null) {
            if (lastModified == null) {
                return false;
            }
            Instant modified = lastModified.truncatedTo(ChronoUnit.SECONDS);
            if (ifModifiedSince != null && !modified.isAfter(ifModifiedSince.truncatedTo(ChronoUnit.SECONDS))) {
                return false;
            }
            if (ifUnmodifiedSince != null && !modified.isBefore(ifUnmodifiedSince.truncatedTo(ChronoUnit.SECONDS))) {
                return false;
            }
        }
        return true;
    }

    /** True if the list is "*" or holds exactly {@code eTag} (a strong, quoted tag). */
    private static boolean matchesExactly(String header, String eTag) {
        for (String tag : header.split(",", -1)) {
            String t = tag.strip();
            if (t.equals("*") || t.equals(eTag)) {
                return true;
            }
        }
        return false;
    }

    /** True if no tag of the list could be read as {@code eTag} (quoted or not, weak or strong). */
    private static boolean certainlyMatchesNone(String header, String eTag) {
        String bare = unquote(eTag);
        for (String tag : header.split(",", -1)) {
            String t = tag.strip();
            if (t.startsWith("W/")) {
                t = t.substring(2);
            }
            if (t.equals("*") || unquote(t).equals(bare)) {
                return false;
            }
        }
        return true;
    }

    private static String unquote(String tag) {
        return tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")
                ? tag.substring(1, tag.length() - 1)
                : tag;
    }
}
