package dev.gateway.codec;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AuthorityTest {

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "example.com:8080", "127.0.0.1:1", "localhost:0", "h:65535",
            "[::1]", "[::1]:8080", "[2001:db8::7]:443", "[::ffff:192.0.2.1]", "[v1.fe80::a+en1]",
            "xn--bcher-kva.example", "a-b_c~d.e", "%41bc", "sub!$&'()*+,;=delims", "999.999.999.999"})
    void validAuthoritiesAreAccepted(String value) {
        assertTrue(Authority.isValid(value), value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"user:pw@evil.example", "u@h", "a b", "evil.com/x?", "evil.com/", "evil.com?x",
            "evil.com#f", "evil.com:99999", "evil.com:65536", "evil.com:-1", "evil.com:abc", "evil.com:",
            "evil.com:123456", ":80", "[::1", "::1", "[::1]x", "[::1]:", "[zz::1]", "[::1%25eth0]", "[]",
            "[v1.]", "[vx.a]", "exa\u0000mple", "h\tx", "h\r\nx", "h\\x", "%4", "%zz", "h\u00e9", "\"h\"",
            "h<x>", "h[1]", "h{1}", "h|x", "h^x", "h`x"})
    void invalidAuthoritiesAreRefused(String value) {
        assertFalse(Authority.isValid(value), value);
    }

    @Test
    void anEmptyAuthorityIsNot() {
        assertFalse(Authority.isValid("")); // an http URI's host must not be empty (RFC 9110 §4.2.1)
    }
}
