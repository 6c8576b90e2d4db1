package io.tieredstore.parquetlookup;

import org.jspecify.annotations.Nullable;

/** The builder's argument and state checks, with messages that name the setting. */
final class Checks {
    private Checks() {}

    static void once(boolean unset, String setting) {
        if (!unset) {
            throw new IllegalStateException(setting + " was already set");
        }
    }

    static void argument(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    static void state(boolean ok, String message) {
        if (!ok) {
            throw new IllegalStateException(message);
        }
    }

    static <T> T required(@Nullable T value, String setting) {
        if (value == null) {
            throw new IllegalStateException(setting + " is required");
        }
        return value;
    }
}
