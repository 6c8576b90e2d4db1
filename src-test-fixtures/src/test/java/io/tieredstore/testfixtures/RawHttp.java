package io.tieredstore.testfixtures;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/** A bare HTTP/1.1 client: one request per connection, read to end of stream, so nothing hides a short body. */
final class RawHttp {
    private static final int RECEIVE_BUFFER = 8 * 1024;

    private RawHttp() {}

    /**
     * GETs {@code path} with {@code Connection: close} and returns the body bytes received before the server
     * closed the connection (all of them, however many the headers announced); fails on a status other than 200.
     */
    static byte[] getClosing(URI endpoint, String path) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(RECEIVE_BUFFER); // a slow reader: most of the body waits in the proxy
            socket.setSoTimeout(30_000);
            socket.connect(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()), 5_000);
            OutputStream out = socket.getOutputStream();
            String request = "GET " + path + " HTTP/1.1\r\nHost: " + endpoint.getHost() + ":" + endpoint.getPort()
                    + "\r\nConnection: close\r\n\r\n";
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            byte[] response = all.toByteArray();
            int headEnd = indexOf(response, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            if (headEnd < 0) {
                throw new IOException("no complete response head in " + response.length + " bytes");
            }
            String head = new String(response, 0, headEnd, StandardCharsets.ISO_8859_1);
            if (!head.startsWith("HTTP/1.1 200")) {
                throw new IOException("unexpected response: " + head);
            }
            if (head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
                throw new IOException("expected a Content-Length body: " + head);
            }
            return Arrays.copyOfRange(response, headEnd + 4, response.length);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
