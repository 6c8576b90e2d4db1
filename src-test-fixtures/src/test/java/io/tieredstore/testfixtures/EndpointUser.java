package io.tieredstore.testfixtures;

import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The main of a child JVM that uses the shared endpoint as a program would: PUT, GET, and a GET left open
 * part-way through a fault proxy; then it returns from main ({@code return}) or calls {@code System.exit(0)}
 * ({@code exit}). {@link EndpointExitTest} checks that the JVM then ends by itself.
 */
final class EndpointUser {
    /** Printed once the calls have succeeded. */
    static final String DONE = "endpoint-user: calls done";

    private EndpointUser() {}

    public static void main(String[] args) throws Exception {
        S3Endpoint endpoint = S3Endpoint.shared();
        String bucket = endpoint.newBucket();
        byte[] data = new byte[4 << 20];
        new Random(1).nextBytes(data);
        S3Client direct = endpoint.directClient();
        direct.putObject(b -> b.bucket(bucket).key("k"), RequestBody.fromBytes(data));
        byte[] got = direct.getObjectAsBytes(b -> b.bucket(bucket).key("k")).asByteArray();
        if (!Arrays.equals(data, got)) {
            throw new IllegalStateException("the GET returned other bytes than the PUT wrote");
        }
        // A stream its reader never finishes: the origin is blocked writing it when the JVM ends.
        FaultProxy proxy = endpoint.newProxy(FaultPlan.none());
        S3Client client = S3Clients.sync(proxy.uri());
        InputStream open = client.getObject(b -> b.bucket(bucket).key("k"));
        if (open.read(new byte[1024]) <= 0) {
            throw new IllegalStateException("the open stream returned nothing");
        }
        System.out.println(DONE);
        System.out.flush();
        if (args.length > 0 && args[0].equals("exit")) {
            System.exit(0);
        }
    }
}
