package dev.gateway.core.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An immutable set of signature keys, each bound to the one algorithm it may verify: HS256 to the
 * configured secrets, RS256 to RSA keys, ES256 to P-256 keys. A token naming an algorithm gets only keys
 * of that algorithm, so an HS256 token "signed" with an RSA public key finds no key to check against.
 */
final class VerificationKeys {
    static final VerificationKeys NONE = new VerificationKeys(List.of());
    /** The algorithms the gateway accepts at all; {@code none} never parses as a JWS. */
    static final List<JWSAlgorithm> ACCEPTED = List.of(JWSAlgorithm.HS256, JWSAlgorithm.RS256, JWSAlgorithm.ES256);

    private final List<Entry> entries;

    private VerificationKeys(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    private record Entry(String kid, JWSAlgorithm alg, JWSVerifier verifier) {
    }

    /** The configured HS256 secrets, by key id. */
    static VerificationKeys hmac(Map<String, byte[]> secrets) {
        List<Entry> out = new ArrayList<>();
        secrets.forEach((kid, secret) -> {
            try {
                out.add(new Entry(kid, JWSAlgorithm.HS256, new MACVerifier(secret)));
            } catch (JOSEException e) {
                throw new IllegalArgumentException("HS256 secret '" + kid + "': " + e.getMessage(), e);
            }
        });
        return new VerificationKeys(out);
    }

    /**
     * The RSA and P-256 public keys of a JWK set. Secret keys in a JWK set are ignored (HS256 secrets come
     * from the configuration only), as are encryption keys and keys of other algorithms.
     *
     * @param skipped told what was left out and why
     */
    static VerificationKeys publicKeys(JWKSet set, java.util.function.Consumer<String> skipped) {
        List<Entry> out = new ArrayList<>();
        for (JWK jwk : set.getKeys()) {
            String name = jwk.getKeyID() == null ? "(no kid)" : jwk.getKeyID();
            if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
                skipped.accept(name + ": not a signature key");
                continue;
            }
            try {
                if (jwk instanceof RSAKey rsa && fits(jwk, JWSAlgorithm.RS256)) {
                    out.add(new Entry(jwk.getKeyID(), JWSAlgorithm.RS256, new RSASSAVerifier(rsa.toRSAPublicKey())));
                } else if (jwk instanceof ECKey ec && Curve.P_256.equals(ec.getCurve()) && fits(jwk, JWSAlgorithm.ES256)) {
                    out.add(new Entry(jwk.getKeyID(), JWSAlgorithm.ES256, new ECDSAVerifier(ec.toECPublicKey())));
                } else {
                    skipped.accept(name + ": not an RS256 or ES256 (P-256) public key");
                }
            } catch (JOSEException e) {
                skipped.accept(name + ": " + e.getMessage());
            }
        }
        return new VerificationKeys(out);
    }

    private static boolean fits(JWK jwk, JWSAlgorithm alg) {
        return jwk.getAlgorithm() == null || jwk.getAlgorithm().equals(alg);
    }

    VerificationKeys and(VerificationKeys other) {
        List<Entry> all = new ArrayList<>(entries);
        all.addAll(other.entries);
        return new VerificationKeys(all);
    }

    /**
     * The verifiers a token's header points at: its algorithm's keys with its {@code kid}, or all of its
     * algorithm's keys when it names none.
     */
    List<JWSVerifier> candidates(JWSAlgorithm alg, String kid) {
        List<JWSVerifier> out = null;
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (e.alg.equals(alg) && (kid == null || kid.equals(e.kid))) {
                if (out == null) {
                    out = new ArrayList<>(2);
                }
                out.add(e.verifier);
            }
        }
        return out == null ? List.of() : out;
    }

    int size() {
        return entries.size();
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }
}
