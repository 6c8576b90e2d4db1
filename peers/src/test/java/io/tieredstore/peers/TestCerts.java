package io.tieredstore.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificate authorities and instance certificates for the TLS tests, written as the PEM files peers read. */
final class TestCerts {
    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

    /** A CA: its key and self-signed certificate. */
    record Ca(KeyPair keys, X509Certificate cert) {}

    /** One instance's files (certificate chain, PKCS#8 key, trusted CAs) and the certificate written first. */
    record Identity(Path chain, Path key, Path trust, X509Certificate cert) {}

    private TestCerts() {}

    static KeyPair keys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static Ca ca(String name) {
        KeyPair k = keys();
        X500Principal subject = new X500Principal("CN=" + name);
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                subject,
                BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(1))),
                subject,
                k.getPublic());
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Ca(k, sign(b, k));
    }

    /** A certificate for {@code id} (a DNS name) signed by {@code ca}, valid from {@code from} to {@code to}. */
    static X509Certificate leaf(Ca ca, String id, KeyPair k, Instant from, Instant to) {
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                ca.cert().getSubjectX500Principal(),
                BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(from),
                Date.from(to),
                new X500Principal("CN=" + id),
                k.getPublic());
        try {
            b.addExtension(
                    Extension.subjectAlternativeName,
                    false,
                    new GeneralNames(new GeneralName(GeneralName.dNSName, id)));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
            }));
            b.addExtension(
                    Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sign(b, ca.keys());
    }

    /** A certificate for {@code id} from {@code ca}, valid for a day, written with its key and the trusted CAs. */
    static Identity identity(Path dir, Ca ca, String id, Ca... trusted) {
        Instant now = Instant.now();
        return identity(dir, ca, id, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), trusted);
    }

    /** A certificate for {@code id} from {@code ca}, valid from {@code from} to {@code to}, written to dir. */
    static Identity identity(Path dir, Ca ca, String id, Instant from, Instant to, Ca... trusted) {
        KeyPair k = keys();
        X509Certificate cert = leaf(ca, id, k, from, to);
        Identity i =
                new Identity(dir.resolve(id + ".crt"), dir.resolve(id + ".key"), dir.resolve(id + "-trust.pem"), cert);
        writeIdentity(i.chain(), i.key(), cert, k);
        writeTrust(i.trust(), trusted);
        return i;
    }

    /** Replaces the identity's certificate and key with a new pair from {@code ca}, valid for a day. */
    static X509Certificate rotate(Identity i, Ca ca, String id) {
        KeyPair k = keys();
        Instant now = Instant.now();
        X509Certificate cert = leaf(ca, id, k, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)));
        writeIdentity(i.chain(), i.key(), cert, k);
        return cert;
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer) {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code cert} and {@code key} (PEM) over the instance's files: a rotation. */
    static void writeIdentity(Path chain, Path key, X509Certificate cert, KeyPair k) {
        writePem(chain, "CERTIFICATE", encoded(cert));
        writePem(key, "PRIVATE KEY", k.getPrivate().getEncoded());
    }

    /** Writes the CAs' certificates as one PEM bundle. */
    static void writeTrust(Path file, Ca... cas) {
        StringBuilder sb = new StringBuilder();
        for (Ca ca : cas) {
            sb.append(pem("CERTIFICATE", encoded(ca.cert())));
        }
        write(file, sb.toString());
    }

    private static byte[] encoded(X509Certificate cert) {
        try {
            return cert.getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void writePem(Path file, String type, byte[] der) {
        write(file, pem(type, der));
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    /** Writes through a temporary file and a move, so a reloading reader never sees half a file. */
    private static void write(Path file, String text) {
        try {
            Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            Files.writeString(tmp, text, StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
