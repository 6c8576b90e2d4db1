package io.tieredstore.hashing.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.hashing.Member;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MemberCodecTest {
    @Test
    void aMemberComesBackAsItWent() {
        for (Member m : new Member[] {
            Member.serving("a", "10.0.0.1:7070"),
            new Member("b", "[::1]:7070", 0.1, Member.State.NOT_READY),
            new Member("c", "host.example:1", 1e-300, Member.State.LEAVING),
            new Member("d", "", 123456789.125, Member.State.SERVING)
        }) {
            assertEquals(m, MemberCodec.decode(m.id(), MemberCodec.encode(m)));
        }
    }

    @Test
    void theFormatIsFourLinesOfText() {
        byte[] data = MemberCodec.encode(new Member("a", "h:1", 2, Member.State.NOT_READY));
        assertEquals("v1\nh:1\n2.0\nNOT_READY", new String(data, StandardCharsets.UTF_8));
    }

    @Test
    void whatIsNotAMemberDecodesToNull() {
        assertNull(MemberCodec.decode("a", null));
        for (String bad : new String[] {
            "",
            "v1",
            "v1\nh:1\n1.0",
            "v2\nh:1\n1.0\nSERVING",
            "v1\nh:1\nheavy\nSERVING",
            "v1\nh:1\n0\nSERVING",
            "v1\nh:1\nInfinity\nSERVING",
            "v1\nh:1\nNaN\nSERVING",
            "v1\nh:1\n1.0\nserving"
        }) {
            assertNull(MemberCodec.decode("a", bad.getBytes(StandardCharsets.UTF_8)), bad);
        }
    }

    @Test
    void addressesMustBeOneLine() {
        assertTrue(MemberCodec.encodable("h:1"));
        assertFalse(MemberCodec.encodable("h:1\n"));
        assertFalse(MemberCodec.encodable("h\r:1"));
    }
}
