package io.tieredstore.hashing.zookeeper;

import io.tieredstore.hashing.Member;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The data of a member's node, format {@code v1}: UTF-8 lines joined by {@code '\n'}, no line break at the end.
 *
 * <pre>
 * v1
 * &lt;address&gt;        host:port of the member's peer server
 * &lt;weight&gt;         Double.toString of the weight
 * &lt;state&gt;          SERVING, NOT_READY or LEAVING
 * </pre>
 *
 * The id is the node's name, not in the data. A reader ignores lines after the fourth, so a later writer may add
 * fields and keep {@code v1}; a change that older readers cannot read takes another first line, which they skip.
 */
final class MemberCodec {
    static final String VERSION = "v1";

    private MemberCodec() {}

    static byte[] encode(Member m) {
        String text = VERSION
                + '\n'
                + m.address()
                + '\n'
                + m.weight()
                + '\n'
                + m.state().name();
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The member {@code id} whose node holds {@code data}, or null if the data is not a member this reads. */
    static @Nullable Member decode(String id, byte @Nullable [] data) {
        if (data == null) {
            return null;
        }
        String[] lines = new String(data, StandardCharsets.UTF_8).split("\n", -1);
        if (lines.length < 4 || !lines[0].equals(VERSION)) {
            return null;
        }
        try {
            return new Member(id, lines[1], Double.parseDouble(lines[2]), Member.State.valueOf(lines[3]));
        } catch (IllegalArgumentException e) { // a bad weight (NumberFormatException too), state or address
            return null;
        }
    }

    /** Whether {@code address} fits on one line of the format. */
    static boolean encodable(String address) {
        return address.indexOf('\n') < 0 && address.indexOf('\r') < 0;
    }
}
