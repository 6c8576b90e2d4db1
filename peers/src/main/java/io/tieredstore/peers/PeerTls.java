package io.tieredstore.peers;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.CertificateUtils;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;

/**
 * Mutual TLS between peers: this instance's certificate chain and private key, and the certificates of the CAs
 * that sign its peers', read from PEM files and re-read when one changes (its modification time, checked every
 * reload interval), so a rotated certificate is used from the next handshake on, without a restart. The
 * handshakes use gRPC's {@link AdvancedTlsX509KeyManager} and {@link AdvancedTlsX509TrustManager}, whose own
 * file watching is not used: it checks at most once a minute and only when both identity files changed.
 *
 * <p>Identity: a certificate names its instance by a DNS (or URI) subject alternative name equal to the
 * instance's membership id. A requester checks that the owner it dialled presents the id placement chose; an
 * owner checks that the requester's certificate names a member of its current view. A chain that does not
 * verify (another CA, expired, not yet valid), a missing certificate, or an identity that fails these checks
 * ends the handshake, so no page crosses; the owner counts what it refused.
 *
 * <p>Rotation: a new chain is taken only with a private key that matches it (a signature over a probe verifies),
 * so a chain and key written one after the other are taken together once both are in place; until then, and
 * when a file cannot be parsed, the previous ones stay in use (logged once per change).
 */
final class PeerTls implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PeerTls.class.getName());
    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;

    private final Files files;
    private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
    private final AdvancedTlsX509TrustManager trust;
    private final LongAdder refused = new LongAdder();
    private final ScheduledFuture<?> reloads;
    // modification times of the files last read (taken or refused): a file is read again once it changes
    private long identityStamp;
    private long trustStamp;
    private long failedIdentityStamp = Long.MIN_VALUE;

    /** The PEM files of one instance's TLS identity and trust. */
    record Files(Path certificateChain, Path privateKey, Path trustedCertificates) {}

    private PeerTls(Files files, Duration reload, ScheduledExecutorService timers) throws GeneralSecurityException {
        this.files = files;
        this.trust = AdvancedTlsX509TrustManager.newBuilder()
                .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
                .build();
        this.identityStamp = identityStamp();
        this.trustStamp = stamp(files.trustedCertificates());
        String failed = loadIdentity();
        if (failed == null) {
            failed = loadTrust();
        }
        if (failed != null) {
            throw new IllegalArgumentException(failed);
        }
        long every = reload.toNanos();
        this.reloads = timers.scheduleWithFixedDelay(this::reload, every, every, TimeUnit.NANOSECONDS);
    }

    /**
     * Reads the files now and schedules their re-reading on {@code timers}.
     *
     * @throws IllegalArgumentException if a file cannot be read or parsed, or the key does not match the chain
     */
    static PeerTls open(Files f, Duration reload, ScheduledExecutorService timers) {
        try {
            return new PeerTls(f, reload, timers);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot set up peer TLS: " + e, e);
        }
    }

    private synchronized void reload() {
        long id = identityStamp();
        if (id != identityStamp) {
            String failed = loadIdentity();
            if (failed == null) {
                identityStamp = id;
                LOG.log(
                        System.Logger.Level.INFO,
                        "peer TLS: took a new certificate chain from {0}",
                        files.certificateChain());
            } else if (id != failedIdentityStamp) {
                failedIdentityStamp = id; // retried every interval (a key may follow its chain), logged once
                LOG.log(System.Logger.Level.WARNING, failed + "; keeping the previous ones");
            }
        }
        long t = stamp(files.trustedCertificates());
        if (t != trustStamp) {
            trustStamp = t;
            String failed = loadTrust();
            if (failed == null) {
                LOG.log(
                        System.Logger.Level.INFO,
                        "peer TLS: took new trusted certificates from {0}",
                        files.trustedCertificates());
            } else {
                LOG.log(System.Logger.Level.WARNING, failed + "; keeping the previous ones");
            }
        }
    }

    /** Takes the chain and key if both parse and match; else a message saying why not. */
    private @Nullable String loadIdentity() {
        try (InputStream c = java.nio.file.Files.newInputStream(files.certificateChain());
                InputStream k = java.nio.file.Files.newInputStream(files.privateKey())) {
            X509Certificate[] chain = CertificateUtils.getX509Certificates(c);
            PrivateKey key = CertificateUtils.getPrivateKey(k);
            if (chain.length == 0) {
                return "no certificate in " + files.certificateChain();
            }
            if (!matches(key, chain[0].getPublicKey())) {
                return "the private key " + files.privateKey() + " does not match the certificate in "
                        + files.certificateChain();
            }
            keys.updateIdentityCredentials(chain, key);
            return null;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            return "cannot read the peer TLS identity (" + files.certificateChain() + ", " + files.privateKey() + "): "
                    + e;
        }
    }

    private @Nullable String loadTrust() {
        try (InputStream in = java.nio.file.Files.newInputStream(files.trustedCertificates())) {
            X509Certificate[] cas = CertificateUtils.getX509Certificates(in);
            if (cas.length == 0) {
                return "no certificate in " + files.trustedCertificates();
            }
            trust.updateTrustCredentials(cas);
            return null;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            return "cannot read the peer TLS trusted certificates (" + files.trustedCertificates() + "): " + e;
        }
    }

    /** Whether {@code key} signs what {@code pub} verifies. */
    private static boolean matches(PrivateKey key, PublicKey pub) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> throw new GeneralSecurityException("unsupported key algorithm " + key.getAlgorithm());
        };
        byte[] probe = "tieredstore peer key check".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(probe);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(pub);
        verifier.update(probe);
        return verifier.verify(signature);
    }

    private long identityStamp() {
        return (stamp(files.certificateChain()) * 31) ^ stamp(files.privateKey());
    }

    private static long stamp(Path file) {
        try {
            return java.nio.file.Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            return -1; // missing for now (being replaced): compared like any other stamp
        }
    }

    /** The owner's credentials: a client certificate is required and must name a member ({@code isMember}). */
    ServerCredentials server(Predicate<String> isMember) {
        return TlsServerCredentials.newBuilder()
                .keyManager(keys)
                .trustManager(new Checked(trust, isMember, refused))
                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
                .build();
    }

    /** A requester's credentials for dialling the member {@code ownerId}: its certificate must name that id. */
    ChannelCredentials channel(String ownerId) {
        return TlsChannelCredentials.newBuilder()
                .keyManager(keys)
                .trustManager(new Checked(trust, ownerId::equals, new LongAdder()))
                .build();
    }

    /** Handshakes refused as an owner: a chain that did not verify, or a requester that is not a member. */
    long refused() {
        return refused.sum();
    }

    /** The DNS and URI subject alternative names of {@code cert}. */
    static List<String> identities(X509Certificate cert) throws CertificateParsingException {
        List<String> out = new ArrayList<>();
        Collection<List<?>> sans = cert.getSubjectAlternativeNames();
        if (sans != null) {
            for (List<?> san : sans) {
                Object type = san.get(0);
                if (type instanceof Integer t && (t == SAN_DNS || t == SAN_URI) && san.get(1) instanceof String s) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        reloads.cancel(false);
    }

    /** Verifies a chain with the reloading trust, then the leaf's identity; counts and refuses what fails. */
    private static final class Checked extends X509ExtendedTrustManager {
        private final AdvancedTlsX509TrustManager trust;
        private final Predicate<String> accepts;
        private final LongAdder refused;

        Checked(AdvancedTlsX509TrustManager trust, Predicate<String> accepts, LongAdder refused) {
            this.trust = trust;
            this.accepts = accepts;
            this.refused = refused;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            try {
                trust.checkClientTrusted(chain, authType, engine);
                checkIdentity(chain);
            } catch (CertificateException | RuntimeException e) {
                refused.increment();
                throw e;
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            trust.checkServerTrusted(chain, authType, engine);
            checkIdentity(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("peer TLS runs on SSLEngine only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("peer TLS runs on SSLEngine only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("peer TLS runs on SSLEngine only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("peer TLS runs on SSLEngine only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return trust.getAcceptedIssuers();
        }

        private void checkIdentity(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("no certificate");
            }
            List<String> ids = identities(chain[0]);
            for (String id : ids) {
                if (accepts.test(id)) {
                    return;
                }
            }
            throw new CertificateException("the certificate names " + ids + ", not the expected membership id");
        }
    }
}
