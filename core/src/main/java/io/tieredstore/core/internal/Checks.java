package io.tieredstore.core.internal;

import com.google.errorprone.annotations.FormatMethod;
import com.google.errorprone.annotations.FormatString;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** The builders' argument and state checks, with formatted messages; shared by every module. */
public final class Checks {
    private Checks() {}

    /** Throws {@link IllegalArgumentException} with the formatted message unless {@code ok}. */
    @FormatMethod
    public static void requireArgument(boolean ok, @FormatString String template, @Nullable Object... args) {
        if (!ok) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, template, args));
        }
    }

    /** Throws {@link IllegalStateException} with the formatted message unless {@code ok}. */
    @FormatMethod
    public static void requireState(boolean ok, @FormatString String template, @Nullable Object... args) {
        if (!ok) {
            throw new IllegalStateException(String.format(Locale.ROOT, template, args));
        }
    }
}
