package io.stockade.sandboxer.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerd.task.v3.Shim;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code packaging/containerd-shim-stockade-v1} answers containerd's post-restart {@code delete} with a
 * DeleteResponse containerd can decode, and refuses everything else.
 */
class ShimStubTest {

    record Run(int exitCode, byte[] stdout, String stderr) {
    }

    private static Run run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(CriNode.shimStub().toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).start();
        byte[] stdout = process.getInputStream().readAllBytes();
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "stub did not exit");
        return new Run(process.exitValue(), stdout, stderr);
    }

    @Test
    void deleteAsContainerdRunsItAnswersADeadTaskExitedNow() throws Exception {
        long before = Instant.now().getEpochSecond();
        Run run = run("-namespace", "k8s.io", "-address", "/run/containerd/containerd.sock",
                "-publish-binary", "/usr/bin/containerd", "-id", "c1", "-bundle", "/tmp/bundle", "-debug", "delete");
        long after = Instant.now().getEpochSecond();

        assertEquals(0, run.exitCode(), run.stderr());
        Shim.DeleteResponse response = Shim.DeleteResponse.parseFrom(run.stdout());
        assertEquals(255, response.getExitStatus());
        assertEquals(0, response.getPid());
        long exitedAt = response.getExitedAt().getSeconds();
        assertTrue(exitedAt >= before && exitedAt <= after, "exited_at " + exitedAt + " is the time of the call");
    }

    @Test
    void everyOtherActionIsAClearError() throws Exception {
        Run start = run("-namespace", "k8s.io", "-id", "c1", "start");
        assertEquals(1, start.exitCode());
        assertTrue(start.stderr().contains("'start' is not supported"), start.stderr());
        assertEquals(0, start.stdout().length);

        Run none = run();
        assertEquals(1, none.exitCode());
        assertTrue(none.stderr().contains("no action"), none.stderr());

        Run unknownFlag = run("-frobnicate", "delete");
        assertEquals(1, unknownFlag.exitCode());
        assertTrue(unknownFlag.stderr().contains("-frobnicate"), unknownFlag.stderr());

        Run missingValue = run("-id");
        assertEquals(1, missingValue.exitCode());
        assertTrue(missingValue.stderr().contains("-id needs a value"), missingValue.stderr());
    }
}
