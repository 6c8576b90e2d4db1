package io.tieredstore.peers;

/**
 * Keeps gRPC's shaded netty from loading native code: on JDK 24+ the JVM prints a warning when a library loads a
 * native library without {@code --enable-native-access}, and an application embedding TieredStore must need no
 * JVM flag. The two properties are those of the netty inside {@code grpc-netty-shaded} only (their names carry
 * its package prefix), so the application's own netty is untouched: the peer tier runs on netty's NIO transport
 * and the JDK's TLS instead of epoll and BoringSSL. A value the application set first is kept.
 */
final class ShadedNetty {
    static final String NO_NATIVE_TRANSPORT = "io.grpc.netty.shaded.io.netty.transport.noNative";
    static final String NO_OPENSSL = "io.grpc.netty.shaded.io.netty.handler.ssl.noOpenSsl";

    private ShadedNetty() {}

    /** Sets both properties unless already set; must run before the first shaded netty class loads. */
    static void preferJavaOverNative() {
        for (String p : new String[] {NO_NATIVE_TRANSPORT, NO_OPENSSL}) {
            if (System.getProperty(p) == null) {
                System.setProperty(p, "true");
            }
        }
    }
}
