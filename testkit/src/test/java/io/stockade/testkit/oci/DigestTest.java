package io.stockade.testkit.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

class DigestTest {

    @Test
    void isTheSha256OfTheContentInOciNotation() {
        assertEquals("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                Digest.of(new byte[0]).toString());
        assertEquals("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
                Digest.of("hello".getBytes(StandardCharsets.US_ASCII)).toString());
    }

    @Test
    void parsesWhatItPrints() {
        Digest digest = Digest.of(new byte[] {1, 2, 3});
        assertEquals(digest, Digest.parse(digest.toString()));
    }

    @Test
    void namesTheBlobPathOfAnImageLayout() {
        Digest digest = Digest.of(new byte[0]);
        assertEquals("blobs/sha256/" + digest.hex(), digest.blobPath());
    }

    @Test
    void rejectsOtherAlgorithmsAndMalformedHex() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Digest.parse("sha512:abcd"));
        assertTrue(e.getMessage().contains("sha512:abcd"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Digest.parse("sha256:ABC"));
        assertThrows(IllegalArgumentException.class, () -> new Digest("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85"));
    }
}
