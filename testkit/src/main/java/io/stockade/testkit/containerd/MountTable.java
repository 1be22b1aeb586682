package io.stockade.testkit.containerd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/** Reads this process's mount table to find what a test left mounted under a directory. */
final class MountTable {
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private MountTable() {
    }

    /** Mount points at or below {@code dir}, deepest first (the order to unmount them in). */
    static List<Path> mountsUnder(Path dir) {
        try {
            return mountsUnder(dir, Files.readAllLines(MOUNTINFO));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + MOUNTINFO, e);
        }
    }

    static List<Path> mountsUnder(Path dir, List<String> mountinfoLines) {
        Path normalized = dir.toAbsolutePath().normalize();
        return mountinfoLines.stream()
                .map(MountTable::mountPointOf)
                .filter(mountPoint -> mountPoint.startsWith(normalized))
                .distinct()
                .sorted(Comparator.comparingInt(Path::getNameCount).reversed())
                .toList();
    }

    /** Field 5 of a mountinfo line, with the kernel's octal escapes (e.g. {@code \040} for space) decoded. */
    static Path mountPointOf(String mountinfoLine) {
        String[] fields = mountinfoLine.split(" ");
        if (fields.length < 5) {
            throw new IllegalArgumentException("malformed mountinfo line: " + mountinfoLine);
        }
        return Path.of(unescape(fields[4]));
    }

    private static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}
