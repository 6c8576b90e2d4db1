package io.tieredstore.testfixtures;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counts of what reached the origin through one fault proxy, by {@link S3Operation}, and of the faults
 * it injected. Counts are exact: a request is counted when it is forwarded to the origin, before its
 * response can reach the client, so a test that has its response has its count.
 */
public final class OriginCounters {
    /** The three counts of one operation. */
    private record Counts(LongAdder requests, LongAdder requestBytes, LongAdder responseBytes) {
        Counts() {
            this(new LongAdder(), new LongAdder(), new LongAdder());
        }
    }

    private final Map<S3Operation, Counts> byOperation = new EnumMap<>(S3Operation.class);
    private final Map<Fault, LongAdder> faults = new EnumMap<>(Fault.class);

    OriginCounters() {
        for (S3Operation op : S3Operation.values()) {
            byOperation.put(op, new Counts());
        }
        for (Fault fault : Fault.values()) {
            faults.put(fault, new LongAdder());
        }
    }

    private Counts of(S3Operation op) {
        Counts counts = byOperation.get(op);
        if (counts == null) {
            throw new IllegalStateException("no counts for " + op);
        }
        return counts;
    }

    private LongAdder of(Fault fault) {
        LongAdder adder = faults.get(fault);
        if (adder == null) {
            throw new IllegalStateException("no count for " + fault);
        }
        return adder;
    }

    /** Requests of this operation that reached the origin. */
    public long requests(S3Operation op) {
        return of(op).requests().sum();
    }

    /** All requests that reached the origin. */
    public long totalRequests() {
        return byOperation.values().stream().mapToLong(c -> c.requests().sum()).sum();
    }

    /** Request body bytes sent to the origin for this operation. */
    public long requestBytes(S3Operation op) {
        return of(op).requestBytes().sum();
    }

    /** Response body bytes the origin returned for this operation. */
    public long responseBytes(S3Operation op) {
        return of(op).responseBytes().sum();
    }

    /** Response body bytes the origin returned for all operations. */
    public long totalResponseBytes() {
        return byOperation.values().stream()
                .mapToLong(c -> c.responseBytes().sum())
                .sum();
    }

    /** Times this fault was injected. */
    public long injected(Fault fault) {
        return of(fault).sum();
    }

    /** The non-zero request counts, by operation, for messages and reports. */
    public Map<S3Operation, Long> requestsByOperation() {
        Map<S3Operation, Long> out = new EnumMap<>(S3Operation.class);
        byOperation.forEach((op, counts) -> {
            long n = counts.requests().sum();
            if (n != 0) {
                out.put(op, n);
            }
        });
        return out;
    }

    /** Sets every count back to zero; counts of requests in flight may land on either side. */
    public void reset() {
        byOperation.values().forEach(c -> {
            c.requests().reset();
            c.requestBytes().reset();
            c.responseBytes().reset();
        });
        faults.values().forEach(LongAdder::reset);
    }

    void countRequest(S3Operation op) {
        of(op).requests().increment();
    }

    void countRequestBytes(S3Operation op, long n) {
        of(op).requestBytes().add(n);
    }

    void countResponseBytes(S3Operation op, long n) {
        of(op).responseBytes().add(n);
    }

    void countFault(Fault fault) {
        of(fault).increment();
    }

    @Override
    public String toString() {
        return "OriginCounters" + requestsByOperation() + ", responseBytes=" + totalResponseBytes();
    }
}
