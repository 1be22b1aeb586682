package io.stockade.testkit.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

class LayerTest {

    @Test
    void writesFilesDirectoriesAndSymlinksAsUstar() {
        byte[] script = "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8);
        Layer layer = Layer.builder()
                .directory("tmp", 01777)
                .file("/usr/bin/hello", 0755, script)
                .symlink("bin/hi", "/usr/bin/hello")
                .build();

        Map<String, TarEntries.Entry> entries = TarEntries.read(layer.tar());
        assertEquals(List.of("tmp/", "usr/", "usr/bin/", "usr/bin/hello", "bin/", "bin/hi"),
                List.copyOf(entries.keySet()), "parents are added before their children");
        assertEquals('5', entries.get("tmp/").type());
        assertEquals(01777, entries.get("tmp/").mode());
        assertEquals('0', entries.get("usr/bin/hello").type());
        assertEquals(0755, entries.get("usr/bin/hello").mode());
        assertArrayEquals(script, entries.get("usr/bin/hello").content());
        assertEquals('2', entries.get("bin/hi").type());
        assertEquals("/usr/bin/hello", entries.get("bin/hi").linkTarget());
        assertEquals(List.of("tmp", "usr", "usr/bin", "usr/bin/hello", "bin", "bin/hi"), layer.paths());
    }

    @Test
    void theSameEntriesGiveTheSameDigest() {
        Layer first = Layer.builder().file("a/b", 0644, new byte[] {1}).build();
        Layer second = Layer.builder().file("a/b", 0644, new byte[] {1}).build();
        Layer other = Layer.builder().file("a/b", 0644, new byte[] {2}).build();
        assertEquals(first.digest(), second.digest());
        assertEquals(Digest.of(first.tar()), first.digest());
        assertEquals(first.tar().length, first.size());
        assertTrue(!first.digest().equals(other.digest()));
    }

    @Test
    void splitsLongPathsIntoPrefixAndName() {
        String deep = "d".repeat(90) + "/" + "e".repeat(90) + "/file";
        Layer layer = Layer.builder().file(deep, 0644, new byte[] {7}).build();
        assertArrayEquals(new byte[] {7}, TarEntries.read(layer.tar()).get(deep).content());
    }

    @Test
    void rejectsPathsOutsideTheLayerAndDuplicates() {
        assertThrows(IllegalArgumentException.class, () -> Layer.builder().file("../etc/passwd", 0644, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> Layer.builder().file("a/../../b", 0644, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> Layer.builder().file("/", 0644, new byte[0]));
        IllegalArgumentException duplicate = assertThrows(IllegalArgumentException.class,
                () -> Layer.builder().file("x", 0644, new byte[0]).symlink("x", "/y"));
        assertTrue(duplicate.getMessage().contains("x"), duplicate.getMessage());
    }

    @Test
    void rejectsSymlinkTargetsTooLongForTheHeader() {
        assertThrows(IllegalArgumentException.class, () -> Layer.builder().symlink("l", "/" + "t".repeat(100)));
    }
}
