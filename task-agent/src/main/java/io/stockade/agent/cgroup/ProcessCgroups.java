package io.stockade.agent.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The cgroups one process is in, from {@code /proc/<pid>/cgroup}: a path per v1 controller and the
 * v2 path.
 *
 * @param v1 cgroup path by v1 controller name (e.g. "memory" → "/kubepods/pod1/c1")
 * @param unified the cgroup v2 path (the {@code 0::} line)
 */
record ProcessCgroups(Map<String, String> v1, Optional<String> unified) {

    ProcessCgroups {
        v1 = Map.copyOf(v1);
    }

    static ProcessCgroups of(int pid) {
        Path file = Path.of("/proc/" + pid + "/cgroup");
        try {
            return parse(file.toString(), Files.readString(file));
        } catch (IOException e) {
            throw new CgroupException(
                    "cannot read " + file + " (has pid " + pid + " exited?): " + e, e);
        }
    }

    /**
     * Parses lines of {@code hierarchy-id:controller,list:path}; {@code source} names the text in
     * errors.
     */
    static ProcessCgroups parse(String source, String text) {
        Map<String, String> v1 = new HashMap<>();
        String unified = null;
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] fields = line.split(":", 3);
            if (fields.length != 3 || !fields[2].startsWith("/")) {
                throw new CgroupException(
                        source + ": line '" + line + "' is not 'id:controllers:/path'");
            }
            if (fields[0].equals("0") && fields[1].isEmpty()) {
                unified = fields[2];
                continue;
            }
            for (String controller : fields[1].split(",")) {
                if (!controller.isEmpty()) {
                    v1.put(controller, fields[2]);
                }
            }
        }
        return new ProcessCgroups(v1, Optional.ofNullable(unified));
    }
}
