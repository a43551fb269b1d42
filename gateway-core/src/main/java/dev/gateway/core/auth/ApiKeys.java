package dev.gateway.core.auth;

import dev.gateway.core.config.AuthConfig;
import java.security.MessageDigest;
import java.util.Collection;

/**
 * The configured API keys, known only by their SHA-256. A presented key is hashed and compared with
 * every configured hash in constant time, with no early exit, so timing says nothing about which key,
 * or how much of one, matched.
 */
final class ApiKeys {
    /** Longer values are refused before hashing: no configured key is this long. */
    static final int MAX_KEY_LENGTH = 512;

    private final byte[][] hashes;
    private final Principal[] principals;

    ApiKeys(Collection<AuthConfig.ApiKey> keys) {
        hashes = new byte[keys.size()][];
        principals = new Principal[keys.size()];
        int i = 0;
        for (AuthConfig.ApiKey k : keys) {
            hashes[i] = k.sha256().clone();
            principals[i] = new Principal(k.name(), Principal.API_KEY, k.scopes(), Long.MAX_VALUE);
            i++;
        }
    }

    Principal find(String presented) throws Unauthenticated {
        if (presented.isEmpty() || presented.length() > MAX_KEY_LENGTH) {
            throw new Unauthenticated("unknown API key", false);
        }
        byte[] sha = Sha256.of(presented);
        Principal found = null;
        for (int i = 0; i < hashes.length; i++) {
            if (MessageDigest.isEqual(sha, hashes[i])) {
                found = principals[i];
            }
        }
        if (found == null) {
            throw new Unauthenticated("unknown API key", false);
        }
        return found;
    }
}
