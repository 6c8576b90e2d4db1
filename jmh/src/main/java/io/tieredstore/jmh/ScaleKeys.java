package io.tieredstore.jmh;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Row numbers to look up, drawn ahead of the measurement so that drawing costs nothing in it: uniform over the
 * table's rows, or Zipf over ranks whose rows a fixed permutation scatters over the key space (rank 1, the hottest,
 * is not row 0, and neighbouring ranks are far apart).
 *
 * <p>Zipf ranks are drawn by rejection-inversion (Hörmann and Derflinger, "Rejection-inversion to generate variates
 * from monotone discrete distributions", 1996): O(1) memory and time per draw for any number of ranks. With
 * {@code h(x) = x^-s} and {@code H} its integral, a uniform {@code u} between {@code H(n + 1/2)} and
 * {@code H(3/2) - h(1)} gives {@code x = H^-1(u)}, rounded to the rank {@code k}; {@code k} is accepted when
 * {@code u >= H(k + 1/2) - h(k)} (the area under {@code h} left of {@code k + 1/2} exceeds the rectangle of rank
 * {@code k}), with a quick acceptance when {@code k - x} is small enough.
 */
final class ScaleKeys {
    /** The key distributions. */
    enum Distribution {
        /** Zipf with exponent {@link #ZIPF_EXPONENT} over the table's rows, ranks scattered by a permutation. */
        ZIPF,
        /**
         * The same Zipf ranks on consecutive rows (rank r on row {@code (rows / 3 + r) mod rows}): hot keys share pages,
         * the best case of a page-granular cache (not in the default run; {@code -p keys=zipfClustered}).
         */
        ZIPF_CLUSTERED,
        /** Every row equally likely. */
        UNIFORM;

        static Distribution parse(String name) {
            return valueOf(name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT));
        }
    }

    /** The exponent of the Zipf distribution the issue asks for. */
    static final double ZIPF_EXPONENT = 0.99;

    private ScaleKeys() {}

    /** {@code count} row numbers in [0, rows) of {@code distribution}, drawn from {@code seed}. */
    static long[] rows(Distribution distribution, long rows, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] out = new long[count];
        if (distribution == Distribution.UNIFORM) {
            for (int i = 0; i < count; i++) {
                out[i] = random.nextLong(rows);
            }
            return out;
        }
        Zipf zipf = new Zipf(rows, ZIPF_EXPONENT);
        Scatter scatter = new Scatter(rows);
        boolean clustered = distribution == Distribution.ZIPF_CLUSTERED;
        for (int i = 0; i < count; i++) {
            long rank = zipf.sample(random) - 1;
            out[i] = clustered ? (rows / 3 + rank) % rows : scatter.row(rank);
        }
        return out;
    }

    /** Zipf ranks 1..n with P(k) proportional to k^-s, by rejection-inversion. */
    static final class Zipf {
        private final long n;
        private final double s;
        private final double hIntegralOneAndHalfMinusOne;
        private final double hIntegralN;
        private final double quickAccept;

        /** Ranks 1..{@code n}, exponent {@code s > 0}. */
        Zipf(long n, double s) {
            if (n < 1 || !(s > 0)) {
                throw new IllegalArgumentException("n >= 1 and s > 0 required: " + n + ", " + s);
            }
            this.n = n;
            this.s = s;
            this.hIntegralOneAndHalfMinusOne = hIntegral(1.5) - 1;
            this.hIntegralN = hIntegral(n + 0.5);
            this.quickAccept = 2 - hIntegralInverse(hIntegral(2.5) - h(2));
        }

        /** One rank in [1, n]. */
        long sample(SplittableRandom random) {
            while (true) {
                double u = hIntegralN + random.nextDouble() * (hIntegralOneAndHalfMinusOne - hIntegralN);
                double x = hIntegralInverse(u);
                long k = Math.max(1, Math.min(n, (long) (x + 0.5)));
                if (k - x <= quickAccept || u >= hIntegral((double) k + 0.5) - h((double) k)) {
                    return k;
                }
            }
        }

        /** {@code x^-s}. */
        private double h(double x) {
            return Math.exp(-s * Math.log(x));
        }

        /** The integral of h from 1 to x: {@code (x^(1-s) - 1) / (1-s)}, stable near s = 1. */
        private double hIntegral(double x) {
            double logX = Math.log(x);
            return logX * expm1OverX((1 - s) * logX);
        }

        /** The inverse of {@link #hIntegral}. */
        private double hIntegralInverse(double y) {
            double t = Math.max(-1, y * (1 - s));
            return Math.exp(y * log1pOverX(t));
        }

        /** {@code (e^x - 1) / x}, 1 at 0. */
        private static double expm1OverX(double x) {
            return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x / 2;
        }

        /** {@code ln(1 + x) / x}, 1 at 0. */
        private static double log1pOverX(double x) {
            return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x / 2;
        }
    }

    /**
     * A fixed bijection of [0, rows): {@code (a * r + b) mod rows} with {@code a} coprime to {@code rows} near the
     * golden section of it, so consecutive ranks land about 0.618 of the table apart.
     */
    static final class Scatter {
        private final long rows;
        private final long a;
        private final long b;

        Scatter(long rows) {
            if (rows >= 1L << 31) {
                throw new IllegalArgumentException("a product must fit in a long: rows < 2^31, got " + rows);
            }
            this.rows = rows;
            long candidate = Math.max(1, (long) (rows * 0.6180339887));
            while (gcd(candidate, rows) != 1) {
                candidate++;
            }
            this.a = candidate % rows;
            this.b = rows / 3;
        }

        /** The row of 0-based rank {@code rank}. */
        long row(long rank) {
            return rows == 1 ? 0 : (a * rank + b) % rows;
        }

        private static long gcd(long x, long y) {
            long p = x;
            long q = y;
            while (q != 0) {
                long t = p % q;
                p = q;
                q = t;
            }
            return p;
        }
    }

    /** Checks the Zipf sampler against the exact probabilities of its first ranks: {@code java ... ScaleKeys}. */
    public static void main(String[] args) {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
        int draws = 10_000_000;
        Zipf z = new Zipf(n, ZIPF_EXPONENT);
        SplittableRandom r = new SplittableRandom(1);
        long[] counts = new long[11];
        for (int i = 0; i < draws; i++) {
            long k = z.sample(r);
            if (k <= 10) {
                counts[(int) k]++;
            }
        }
        double norm = 0;
        for (long k = 1; k <= n; k++) {
            norm += Math.pow((double) k, -ZIPF_EXPONENT);
        }
        for (int k = 1; k <= 10; k++) {
            System.out.printf(
                    Locale.ROOT,
                    "rank %d: drawn %.5f, exact %.5f%n",
                    k,
                    counts[k] / (double) draws,
                    Math.pow(k, -ZIPF_EXPONENT) / norm);
        }
    }
}
