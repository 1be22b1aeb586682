package io.stockade.sandboxer.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.FromStringDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Sandbox records on disk: {@code <state_dir>/<sandbox-id>/sandbox.json}. Writes are atomic and
 * durable; reading all records at start-up skips (and logs) records that cannot be parsed instead
 * of refusing to start.
 */
public final class SandboxStore {
    private static final Logger log = LoggerFactory.getLogger(SandboxStore.class);
    static final String RECORD = "sandbox.json";
    // Instants as ISO-8601 text (readable with cat) without pulling in the jsr310 module for one
    // type.
    private static final ObjectMapper JSON =
            JsonMapper.builder()
                    .addModule(
                            new SimpleModule("instants")
                                    .addSerializer(
                                            Instant.class, new ToStringSerializer(Instant.class))
                                    .addDeserializer(
                                            Instant.class,
                                            new FromStringDeserializer<>(Instant.class) {
                                                @Override
                                                protected Instant _deserialize(
                                                        String value,
                                                        DeserializationContext context) {
                                                    return Instant.parse(value);
                                                }
                                            }))
                    .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .build();

    private final Path dir;

    public SandboxStore(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** Writes {@code record}, replacing any previous one atomically. */
    public void put(SandboxRecord record) {
        Path sandboxDir = dir.resolve(record.id());
        Path target = sandboxDir.resolve(RECORD);
        Path temp = sandboxDir.resolve(RECORD + ".tmp");
        try {
            Files.createDirectories(sandboxDir);
            byte[] bytes = JSON.writeValueAsBytes(record);
            try (FileChannel out =
                    FileChannel.open(
                            temp,
                            StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE,
                            StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                out.force(true);
            }
            try {
                Files.move(
                        temp,
                        target,
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException(
                        "state dir " + sandboxDir + " does not support atomic rename", e);
            }
            syncDirectory(sandboxDir);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot write the record of sandbox "
                            + record.id()
                            + " to "
                            + target
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }

    /** Every readable record; unreadable ones are logged and skipped. */
    public List<SandboxRecord> loadAll() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<SandboxRecord> records = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path entry : entries) {
                Path file = entry.resolve(RECORD);
                try {
                    SandboxRecord record =
                            JSON.readValue(Files.readAllBytes(file), SandboxRecord.class);
                    if (!record.id().equals(entry.getFileName().toString())) {
                        log.warn(
                                "skipping sandbox record {}: it names sandbox '{}'",
                                file,
                                record.id());
                        continue;
                    }
                    records.add(record);
                } catch (NoSuchFileException e) {
                    log.warn("skipping state directory {}: no {}", entry, RECORD);
                } catch (IOException | RuntimeException e) {
                    log.warn("skipping unreadable sandbox record {}: {}", file, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot list state dir " + dir + ": " + e.getMessage(), e);
        }
        return records;
    }

    /** Removes the sandbox's state directory; absent is fine. */
    public void remove(String id) {
        ObjectId.requireValid("sandbox id", id);
        Path sandboxDir = dir.resolve(id);
        if (!Files.exists(sandboxDir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(sandboxDir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot remove state of sandbox "
                            + id
                            + " at "
                            + sandboxDir
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }

    static String toJson(SandboxRecord record) throws JsonProcessingException {
        return JSON.writeValueAsString(record);
    }

    private static void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
