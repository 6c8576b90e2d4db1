package io.tieredstore.core;

/** A source of nanosecond time, injectable so tests can drive TTLs and probation by hand. */
@FunctionalInterface
public interface Ticker {
    /** Nanoseconds from an arbitrary fixed origin, as {@link System#nanoTime()}. */
    long read();

    /** The system ticker ({@link System#nanoTime()}). */
    static Ticker system() {
        return System::nanoTime;
    }
}
