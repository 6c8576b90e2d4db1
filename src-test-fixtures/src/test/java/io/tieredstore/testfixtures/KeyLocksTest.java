package io.tieredstore.testfixtures;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tieredstore.testfixtures.KeyLocks.Claim;
import io.tieredstore.testfixtures.KeyLocks.Mode;
import io.tieredstore.testfixtures.KeyLocks.Name;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class KeyLocksTest {
    private static final AtomicLong ORIGINS = new AtomicLong();

    private static Claim shared(String bucket, String key) {
        return new Claim(new Name(bucket, key), Mode.SHARED);
    }

    private static Claim exclusive(String bucket, String key) {
        return new Claim(new Name(bucket, key), Mode.EXCLUSIVE);
    }

    /* --------------- What each request locks --------------- */

    @Test
    void readsShareTheObject_writesExcludeIt_bothShareTheBucket() {
        assertEquals(List.of(shared("b", ""), shared("b", "k")), KeyLocks.claimsOf("GET", "/b/k", null));
        assertEquals(List.of(shared("b", ""), shared("b", "k")), KeyLocks.claimsOf("HEAD", "/b/k?partNumber=1", null));
        assertEquals(List.of(shared("b", ""), exclusive("b", "d/k")), KeyLocks.claimsOf("PUT", "/b/d/k", null));
        assertEquals(List.of(shared("b", ""), exclusive("b", "k")), KeyLocks.claimsOf("DELETE", "/b/k", null));
        assertEquals(
                List.of(shared("b", ""), exclusive("b", "k")),
                KeyLocks.claimsOf("POST", "/b/k?uploadId=u", null),
                "CompleteMultipartUpload replaces the object");
        assertEquals(List.of(exclusive("b", "")), KeyLocks.claimsOf("POST", "/b?delete", null), "DeleteObjects");
    }

    @Test
    void objectKeysArePercentDecoded_soBothSpellingsShareALock() {
        assertEquals(
                KeyLocks.claimsOf("GET", "/b/a%2Bb", null),
                KeyLocks.claimsOf("PUT", "/b/a+b", null).stream()
                        .map(c -> new Claim(c.name(), Mode.SHARED))
                        .toList());
    }

    @Test
    void aCopyReadsItsSource() {
        assertEquals(
                List.of(shared("b", ""), exclusive("b", "dst"), shared("src", ""), shared("src", "dir/odd name")),
                KeyLocks.claimsOf("PUT", "/b/dst", "/src/dir%2Fodd%20name?versionId=3"));
        assertEquals(
                List.of(shared("src", ""), shared("src", "k")),
                KeyLocks.claimsOf("PUT", "/b/dst?partNumber=2&uploadId=u", "src/k"),
                "UploadPartCopy reads its source and writes no object");
    }

    @Test
    void listingsAndMultipartStepsLockNothing() {
        assertEquals(List.of(), KeyLocks.claimsOf("GET", "/b?list-type=2", null));
        assertEquals(List.of(), KeyLocks.claimsOf("PUT", "/b", null));
        assertEquals(List.of(), KeyLocks.claimsOf("POST", "/b/k?uploads", null));
        assertEquals(List.of(), KeyLocks.claimsOf("PUT", "/b/k?partNumber=1&uploadId=u", null));
        assertEquals(List.of(), KeyLocks.claimsOf("DELETE", "/b/k?uploadId=u", null));
        assertEquals(List.of(), KeyLocks.claimsOf("GET", "/", null));
    }

    /* --------------- How they are granted --------------- */

    @Test
    void readersShare_aWriterWaitsForThem_andLaterReadersWaitBehindIt() {
        KeyLocks locks = KeyLocks.forOrigin("test-" + ORIGINS.incrementAndGet());
        List<String> granted = new ArrayList<>();
        KeyLocks.Hold r1 = locks.acquire(List.of(shared("b", "k")), Runnable::run, () -> granted.add("r1"));
        KeyLocks.Hold r2 = locks.acquire(List.of(shared("b", "k")), Runnable::run, () -> granted.add("r2"));
        KeyLocks.Hold w = locks.acquire(List.of(exclusive("b", "k")), Runnable::run, () -> granted.add("w"));
        KeyLocks.Hold r3 = locks.acquire(List.of(shared("b", "k")), Runnable::run, () -> granted.add("r3"));
        assertEquals(List.of("r1", "r2"), granted);
        r1.release();
        r1.release(); // twice is once
        assertEquals(List.of("r1", "r2"), granted, "the writer waits for the second reader");
        r2.release();
        assertEquals(List.of("r1", "r2", "w"), granted);
        w.release();
        assertEquals(List.of("r1", "r2", "w", "r3"), granted);
        r3.release();
    }

    @Test
    void aWaiterThatGivesUp_letsTheOnesBehindItGo() {
        KeyLocks locks = KeyLocks.forOrigin("test-" + ORIGINS.incrementAndGet());
        List<String> granted = new ArrayList<>();
        KeyLocks.Hold r1 = locks.acquire(List.of(shared("b", "k")), Runnable::run, () -> granted.add("r1"));
        KeyLocks.Hold w = locks.acquire(List.of(exclusive("b", "k")), Runnable::run, () -> granted.add("w"));
        KeyLocks.Hold r2 = locks.acquire(List.of(shared("b", "k")), Runnable::run, () -> granted.add("r2"));
        assertEquals(List.of("r1"), granted);
        w.release(); // its connection closed while it waited
        assertEquals(List.of("r1", "r2"), granted);
        r1.release();
        r2.release();
        KeyLocks.Hold w2 = locks.acquire(List.of(exclusive("b", "k")), Runnable::run, () -> granted.add("w2"));
        assertEquals(List.of("r1", "r2", "w2"), granted, "nothing is left held");
        w2.release();
    }

    @Test
    void deleteObjectsWaitsForEveryObjectOfItsBucket_andObjectsOfOtherBucketsDoNot() {
        KeyLocks locks = KeyLocks.forOrigin("test-" + ORIGINS.incrementAndGet());
        List<String> granted = new ArrayList<>();
        KeyLocks.Hold put =
                locks.acquire(KeyLocks.claimsOf("PUT", "/b/k", null), Runnable::run, () -> granted.add("put"));
        KeyLocks.Hold deletes = locks.acquire(
                KeyLocks.claimsOf("POST", "/b?delete", null), Runnable::run, () -> granted.add("deletes"));
        KeyLocks.Hold other =
                locks.acquire(KeyLocks.claimsOf("GET", "/c/k", null), Runnable::run, () -> granted.add("other"));
        assertEquals(List.of("put", "other"), granted);
        put.release();
        assertEquals(List.of("put", "other", "deletes"), granted);
        deletes.release();
        other.release();
    }
}
