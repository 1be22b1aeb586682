package io.stockade.testkit.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest as OCI writes it ({@code sha256:<64 lowercase hex digits>}); the only algorithm image layouts
 * built here use.
 *
 * @param hex the 64 lowercase hex digits of the SHA-256 of the content
 */
public record Digest(String hex) {
    private static final String PREFIX = "sha256:";
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    public Digest {
        if (!HEX.matcher(hex).matches()) {
            throw new IllegalArgumentException("not 64 lowercase hex digits of a sha256: '" + hex + "'");
        }
    }

    /** The SHA-256 digest of {@code content}. */
    public static Digest of(byte[] content) {
        try {
            return new Digest(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    /** Parses {@code sha256:<hex>}; any other algorithm or a malformed value is rejected with the value named. */
    public static Digest parse(String text) {
        if (!text.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a sha256 digest: '" + text + "'");
        }
        return new Digest(text.substring(PREFIX.length()));
    }

    /** The path of the blob with this digest inside an OCI image layout. */
    public String blobPath() {
        return "blobs/sha256/" + hex;
    }

    @Override
    public String toString() {
        return PREFIX + hex;
    }
}
