package dev.gateway.core.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

class Sha256Test {
    @Test
    void digestsTheWireBytesFromTheOffsetForStringsAndOtherSequences() throws Exception {
        // Longer than the per-thread buffer, with Latin-1 characters above 0x7f as a header may carry.
        String value = "Bearer " + "eyJhbGciOiJSUzI1NiJ9.\u00e9\u00ff".repeat(120);
        byte[] expected = MessageDigest.getInstance("SHA-256")
                .digest(value.substring(7).getBytes(StandardCharsets.ISO_8859_1));
        assertArrayEquals(expected, Sha256.of(value, 7));
        assertArrayEquals(expected, Sha256.of(new StringBuilder(value), 7));
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(new byte[0]), Sha256.of(value, value.length()));
    }
}
