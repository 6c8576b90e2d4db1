package io.tieredstore.testfixtures;

/** A fault the layer injected instead of, or on top of, relaying to the origin. */
public enum Fault {
    /** Answered {@code 503 SlowDown}; the request did not reach the origin. */
    SLOW_DOWN,
    /** Reset the connection; the request did not reach the origin. */
    RESET,
    /** Cut the response body short and closed the connection. */
    TRUNCATE
}
