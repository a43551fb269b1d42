package dev.gateway.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.core.config.GatewayConfig.TlsClientAuth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code listener.tls.clientAuth}, {@code listener.tls.clientCertificateAuthorities} and {@code auth.clientCertificates}. */
class ClientCertificateConfigTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void files() throws Exception {
        // The reader only checks that the files can be read; ServerTls reads what is in them.
        for (String name : List.of("tls.crt", "tls.key", "clients-ca.pem")) {
            Files.writeString(dir.resolve(name), "-\n");
        }
    }

    private static String tls(String more) {
        return "listener: {tls: {enabled: true, certificate: '" + dir.resolve("tls.crt") + "', privateKey: '"
                + dir.resolve("tls.key") + "'" + more + "}}\n";
    }

    private static String error(String yaml) {
        return assertThrows(ConfigException.class, () -> GatewayConfig.fromYaml(yaml, "gw.yaml")).getMessage();
    }

    @Test
    void byDefaultNoCertificateIsAskedForOrAccepted() {
        GatewayConfig c = GatewayConfig.fromYaml(tls(""), "gw.yaml");
        assertEquals(TlsClientAuth.NONE, c.listener().tls().clientAuth());
        assertNull(c.listener().tls().clientCertificateAuthorities());
        assertFalse(GatewayConfig.defaults().auth().clientCertificates().enabled());
        assertTrue(GatewayConfig.defaults().auth().clientCertificates().subjects().isEmpty());
    }

    @Test
    void optionalAndRequiredTakeTheCaFile() {
        String ca = ", clientCertificateAuthorities: '" + dir.resolve("clients-ca.pem") + "'";
        GatewayConfig optional = GatewayConfig.fromYaml(tls(", clientAuth: optional" + ca), "gw.yaml");
        assertEquals(TlsClientAuth.OPTIONAL, optional.listener().tls().clientAuth());
        assertEquals(dir.resolve("clients-ca.pem"), optional.listener().tls().clientCertificateAuthorities());
        assertEquals(TlsClientAuth.REQUIRED, GatewayConfig.fromYaml(tls(", clientAuth: required" + ca), "gw.yaml")
                .listener().tls().clientAuth());
        // With none, a CA file given is not used (nor required to exist).
        assertNull(GatewayConfig.fromYaml(tls(", clientCertificateAuthorities: '" + dir.resolve("gone.pem") + "'"),
                "gw.yaml").listener().tls().clientCertificateAuthorities());
    }

    @Test
    void aMissingCaFileOrAnUnknownModeIsNamed() {
        assertTrue(error(tls(", clientAuth: required")).contains("setting 'listener.tls.clientCertificateAuthorities' "
                + "is required when clientAuth is optional or required (a PEM file)"));
        String missing = error(tls(", clientAuth: optional, clientCertificateAuthorities: '" + dir.resolve("gone.pem")
                + "'"));
        assertTrue(missing.contains("setting 'listener.tls.clientCertificateAuthorities' names a file that cannot be "
                + "read"), missing);
        assertFalse(missing.contains("gone.pem"), "the setting, never its value: " + missing);
        assertTrue(error(tls(", clientAuth: sometimes")).contains(
                "setting 'listener.tls.clientAuth' must be one of none, optional, required"));
        assertTrue(error(tls(", clientAuth: REQUIRED")).contains("'listener.tls.clientAuth'"));
    }

    @Test
    void subjectsAreDistinguishedNamesInRfc4514FormWithScopes() {
        String ca = ", clientAuth: optional, clientCertificateAuthorities: '" + dir.resolve("clients-ca.pem") + "'";
        AuthConfig a = GatewayConfig.fromYaml(tls(ca) + "auth: {clientCertificates: {enabled: true, subjects: {"
                + "'CN=desk-7, O=Acme': {scopes: [trades:read, trades:write]}, 'CN=batch,O=Acme Corp': {}}}}",
                "gw.yaml").auth();
        assertTrue(a.clientCertificates().enabled());
        assertEquals(Map.of("CN=desk-7,O=Acme", List.of("trades:read", "trades:write"), "CN=batch,O=Acme Corp",
                List.of()), a.clientCertificates().subjects());
    }

    @Test
    void badSubjectsAreNamed() {
        String on = tls(", clientAuth: optional, clientCertificateAuthorities: '" + dir.resolve("clients-ca.pem") + "'")
                + "auth: {clientCertificates: {enabled: true, subjects: ";
        assertTrue(error(on + "{'desk-7': {}}}}").contains(
                "setting 'auth.clientCertificates.subjects.desk-7': not a distinguished name"));
        assertTrue(error(on + "{'CN=a,O=b': {}, 'cn=A, o=B': {}}}}").contains(
                "names the same subject as 'CN=a,O=b'"));
        assertTrue(error(on + "{'CN=a': {scope: [x]}}}}").contains(
                "unknown setting 'auth.clientCertificates.subjects.CN=a.scope'"));
        assertTrue(error(on + "{'CN=a': {scopes: ['two words']}}}}").contains("not printable ASCII without spaces"));
        assertTrue(error(on + "{'CN=Zoë': {}}}}").contains("a subject must be printable ASCII"));
    }

    @Test
    void certificatesAsCredentialsNeedTheListenerToAskForThem() {
        String enabled = "auth: {clientCertificates: {enabled: true, subjects: {'CN=a': {}}}}\n";
        assertTrue(error(enabled).contains("setting 'auth.clientCertificates.enabled' is true, but no client "
                + "certificate is asked for"));
        assertTrue(error(tls("") + enabled).contains("'auth.clientCertificates.enabled'"));
    }
}
