package dev.gateway.core.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.security.auth.x500.X500Principal;

/**
 * Who may call the operations whose contract security is not {@code []}: bearer JWTs (HS256 secrets,
 * RS256/ES256 keys from JWK sets), API keys and the subjects of verified TLS client certificates.
 *
 * @param issuers accepted {@code iss} values; a JWT from any other issuer is refused
 * @param audience when not {@code null}, a JWT's {@code aud} must contain it
 * @param hmacKeys key id to HS256 secret (resolved: the bytes themselves)
 * @param jwksFile RS256/ES256 public keys read at start, or {@code null}
 * @param jwksUrl RS256/ES256 public keys fetched in the background, or {@code null}
 * @param jwksMinRefresh an unknown key id refetches {@code jwksUrl} at most once per this
 * @param tokenCacheSize verified tokens remembered (by SHA-256) until they expire
 * @param apiKeys key name to its hash and scopes
 * @param clientCertificates TLS client certificate subjects to their scopes
 */
public record AuthConfig(
        Duration clockSkew,
        int maxTokenBytes,
        List<String> issuers,
        String audience,
        Map<String, byte[]> hmacKeys,
        Path jwksFile,
        String jwksUrl,
        Duration jwksRefresh,
        Duration jwksMinRefresh,
        int tokenCacheSize,
        Map<String, ApiKey> apiKeys,
        ClientCertificates clientCertificates) {

    /** HS256 is only as strong as its secret; nimbus refuses shorter ones too (RFC 7518 §3.2). */
    public static final int MIN_SECRET_BYTES = 32;
    /** What may go into {@code X-Auth-Subject} and {@code X-Auth-Scopes}: no controls, no separators. */
    private static final Pattern NAME = Pattern.compile("[\\x21-\\x7e]{1,256}");
    /** A certificate subject in {@code X-Auth-Subject}: printable ASCII, spaces inside allowed. */
    private static final Pattern SUBJECT = Pattern.compile("[\\x21-\\x7e]([\\x20-\\x7e]{0,1022}[\\x21-\\x7e])?");

    public AuthConfig {
        issuers = List.copyOf(issuers);
        hmacKeys = Collections.unmodifiableMap(new LinkedHashMap<>(hmacKeys));
        apiKeys = Collections.unmodifiableMap(new LinkedHashMap<>(apiKeys));
        Objects.requireNonNull(clientCertificates);
    }

    /**
     * {@code auth.clientCertificates}: callers known by the subject of the client certificate their TLS
     * connection presented and the listener verified ({@code listener.tls.clientAuth}).
     *
     * @param enabled whether a certificate's subject is a credential at all
     * @param subjects subject distinguished name, in the string form of RFC 4514 as the JDK writes it
     *     ({@code CN=desk-7,O=Acme}), to the scopes it holds
     */
    public record ClientCertificates(boolean enabled, Map<String, List<String>> subjects) {
        /** No certificate is a credential. */
        public static final ClientCertificates OFF = new ClientCertificates(false, Map.of());

        public ClientCertificates {
            Map<String, List<String>> copy = new LinkedHashMap<>();
            subjects.forEach((dn, scopes) -> copy.put(dn, List.copyOf(scopes)));
            subjects = Collections.unmodifiableMap(copy);
        }
    }

    /** @param sha256 the SHA-256 of the key (never the key itself) */
    public record ApiKey(String name, byte[] sha256, List<String> scopes) {
        public ApiKey {
            scopes = List.copyOf(scopes);
        }
    }

    /** Some way of accepting a JWT is configured. */
    public boolean acceptsTokens() {
        return !hmacKeys.isEmpty() || jwksFile != null || jwksUrl != null;
    }

    static AuthConfig read(ConfigReader r) {
        Duration skew = r.durationOrZero("clockSkew");
        int maxToken = (int) Math.min(r.bytes("maxTokenSize"), 1 << 20);
        List<String> issuers = r.strings("issuers");
        String audience = r.string("audience");
        Map<String, byte[]> hmac = new LinkedHashMap<>();
        r.stringEntries("hmacKeys").forEach((kid, v) -> hmac.put(kid,
                secret(r, "hmacKeys." + kid, v, MIN_SECRET_BYTES, "an HS256 secret")));
        String jwksFile = r.string("jwksFile");
        String jwksUrl = r.string("jwksUrl");
        if (!jwksUrl.isEmpty() && !jwksUrl.startsWith("https://") && !jwksUrl.startsWith("http://")) {
            throw r.error("jwksUrl", "must be an http:// or https:// URL");
        }
        if (!jwksFile.isEmpty() && !Files.isReadable(Path.of(jwksFile))) {
            throw r.error("jwksFile", "names a file that cannot be read");
        }
        Duration refresh = r.duration("jwksRefresh");
        Duration minRefresh = r.duration("jwksMinRefresh");
        int cacheSize = r.integer("tokenCacheSize", 0, 10_000_000);
        Map<String, ApiKey> keys = new LinkedHashMap<>();
        r.entries("apiKeys").forEach((name, k) -> keys.put(name, apiKey(name, k)));
        ClientCertificates certificates = clientCertificates(r.child("clientCertificates"));
        r.rejectUnknownKeys();

        AuthConfig config = new AuthConfig(skew, maxToken, issuers, audience.isEmpty() ? null : audience, hmac,
                jwksFile.isEmpty() ? null : Path.of(jwksFile), jwksUrl.isEmpty() ? null : jwksUrl, refresh,
                minRefresh, cacheSize, keys, certificates);
        if (config.acceptsTokens() && issuers.isEmpty()) {
            throw r.error("issuers", "must list the accepted token issuers when hmacKeys, jwksFile or jwksUrl is set");
        }
        return config;
    }

    private static ApiKey apiKey(String name, ConfigReader k) {
        if (!NAME.matcher(name).matches()) {
            throw ConfigException.about(k.path(), "setting '" + k.path()
                    + "': a key name must be printable ASCII without spaces");
        }
        String hex = k.requiredString("sha256");
        byte[] sha;
        try {
            sha = HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            sha = new byte[0];
        }
        if (sha.length != 32) {
            throw k.error("sha256", "must be the 64 hex digits of the key's SHA-256 (for example from "
                    + "'printf %s KEY | sha256sum'), not the key");
        }
        List<String> scopes = scopes(k);
        k.rejectUnknownKeys();
        return new ApiKey(name, sha, scopes);
    }

    /**
     * An entry's {@code scopes}. Optional by design: an entry given no scopes holds none (it may call what
     * asks for no scope).
     */
    private static List<String> scopes(ConfigReader k) {
        List<String> scopes = k.optional("scopes", k::strings).orElse(List.of());
        for (String s : scopes) {
            if (!NAME.matcher(s).matches()) {
                throw k.error("scopes", "has a scope that is not printable ASCII without spaces");
            }
        }
        return scopes;
    }

    /**
     * {@code auth.clientCertificates}: {@code enabled}, and {@code subjects}, distinguished names (RFC 4514)
     * to {@code {scopes: [...]}} as API keys have them. Each name is parsed and written back in the JDK's
     * RFC 4514 form, so {@code "CN=desk-7, O=Acme"} is {@code CN=desk-7,O=Acme}; two names for one subject
     * are an error.
     */
    private static ClientCertificates clientCertificates(ConfigReader r) {
        boolean enabled = r.bool("enabled");
        Map<String, List<String>> subjects = new LinkedHashMap<>();
        Map<String, String> canonical = new HashMap<>();
        r.entries("subjects").forEach((name, k) -> {
            X500Principal dn;
            try {
                dn = new X500Principal(name);
            } catch (IllegalArgumentException e) {
                throw ConfigException.about(k.path(), "setting '" + k.path() + "': not a distinguished name "
                        + "(RFC 4514, such as CN=desk-7,O=Acme)");
            }
            String rfc4514 = dn.getName(X500Principal.RFC2253);
            if (!SUBJECT.matcher(rfc4514).matches()) {
                throw ConfigException.about(k.path(), "setting '" + k.path() + "': a subject must be printable "
                        + "ASCII (it is sent as X-Auth-Subject)");
            }
            String same = canonical.put(dn.getName(X500Principal.CANONICAL), name);
            if (same != null) {
                throw ConfigException.about(k.path(), "setting '" + k.path() + "' names the same subject as '"
                        + same + "'");
            }
            subjects.put(rfc4514, scopes(k));
            k.rejectUnknownKeys();
        });
        r.rejectUnknownKeys();
        return new ClientCertificates(enabled, subjects);
    }

    /**
     * A secret given as {@code env:NAME} (an environment variable), {@code file:/path} (a file's content,
     * one trailing newline dropped) or the secret itself. Errors name the setting, never the value, the
     * variable or the path (the line of the setting points at them).
     */
    static byte[] secret(ConfigReader r, String setting, String value, int minBytes, String what) {
        String text;
        if (value.startsWith("env:")) {
            text = System.getenv(value.substring(4));
            if (text == null) {
                throw r.error(setting, "names an environment variable (env:...) that is not set");
            }
        } else if (value.startsWith("file:")) {
            try {
                text = Files.readString(Path.of(value.substring(5)), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw r.error(setting, "names a file (file:...) that cannot be read: " + ConfigLayer.reason(e));
            }
            if (text.endsWith("\n")) {
                text = text.substring(0, text.length() - (text.endsWith("\r\n") ? 2 : 1));
            }
        } else {
            text = value;
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < minBytes) {
            throw r.error(setting, "is too short: " + what + " must be at least " + minBytes + " bytes");
        }
        return bytes;
    }
}
