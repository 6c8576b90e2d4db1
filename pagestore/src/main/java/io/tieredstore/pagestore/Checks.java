package io.tieredstore.pagestore;

import com.google.errorprone.annotations.FormatMethod;
import com.google.errorprone.annotations.FormatString;
import java.util.Locale;

/** The builders' argument and state checks, with formatted messages. */
final class Checks {
    private Checks() {}

    @FormatMethod
    static void requireArgument(boolean ok, @FormatString String template, Object... args) {
        if (!ok) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, template, args));
        }
    }

    @FormatMethod
    static void requireState(boolean ok, @FormatString String template, Object... args) {
        if (!ok) {
            throw new IllegalStateException(String.format(Locale.ROOT, template, args));
        }
    }
}
