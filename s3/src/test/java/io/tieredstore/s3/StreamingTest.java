package io.tieredstore.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.MapTier;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/** Bodies of many pages stream through the store: small reads, skips, the unmanaged form. */
@ExtendWith(S3Extension.class)
class StreamingTest {
    private final byte[] data = ConformanceTest.bytes(new Random(51), 64 * Cached.PAGE + 3);

    @Test
    void aManyPageBodyStreamsInSmallReadsAndSkips(S3Fixture s3) throws IOException {
        s3.foreignWriter().put("big", data);
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.IMMUTABLE, new MapTier("map"))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ResponseInputStream<GetObjectResponse> in = cached.client()
                    .getObject(b -> b.bucket(s3.bucket()).key("big").range("bytes=10-"))) {
                assertEquals(data.length - 10, in.response().contentLength());
                byte[] small = new byte[100];
                for (int n; (n = in.read(small)) > 0; ) {
                    out.write(small, 0, n);
                }
            }
            assertArrayEquals(Arrays.copyOfRange(data, 10, data.length), out.toByteArray());

            try (InputStream in =
                    cached.client().getObject(b -> b.bucket(s3.bucket()).key("big"))) {
                assertEquals(5000, in.skip(5000));
                assertEquals(data[5000] & 0xFF, in.read());
                assertEquals(40_000, in.skip(40_000));
                assertArrayEquals(Arrays.copyOfRange(data, 45_001, data.length), in.readAllBytes());
            }
            // one GET learned the version and streamed every page, from the first (whole pages fill the tiers)
            assertEquals(1, s3.counters().totalRequests(), s3.counters().toString());
            assertEquals(data.length, s3.counters().totalResponseBytes());
        }
    }

    @Test
    void theUnmanagedFormHandsOverAnOpenStream(S3Fixture s3) throws Exception {
        s3.foreignWriter().put("big", data);
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.STRICT, new MapTier("map"))) {
            try (InputStream in = cached.client()
                    .getObject(
                            b -> b.bucket(s3.bucket()).key("big").range("bytes=-3000"),
                            ResponseTransformer.unmanaged((response, stream) -> stream))) {
                assertArrayEquals(Arrays.copyOfRange(data, data.length - 3000, data.length), in.readAllBytes());
            }
        }
    }
}
