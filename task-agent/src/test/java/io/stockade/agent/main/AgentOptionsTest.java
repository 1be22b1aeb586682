package io.stockade.agent.main;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.epoll.VSockAddress;
import io.netty.channel.unix.DomainSocketAddress;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

class AgentOptionsTest {

    @Test
    void parsesProcessModeWithDefaults() {
        AgentOptions options =
                AgentOptions.parse(
                        List.of(
                                "--listen",
                                "unix:///run/a.sock",
                                "--io-listen",
                                "unix:///run/a-io.sock"));
        assertEquals("/run/a.sock", ((DomainSocketAddress) options.listen().address()).path());
        assertEquals("runc", options.runtime());
        assertEquals(Path.of("/run/stockade-agent"), options.stateDir());
        assertEquals(AgentOptions.Mode.PROCESS, options.mode());
    }

    @Test
    void parsesGuestModeOnVsock() {
        AgentOptions options =
                AgentOptions.parse(
                        List.of(
                                "--listen",
                                "vsock://4294967295:1024",
                                "--io-listen",
                                "vsock://4294967295:1025",
                                "--runtime",
                                "crun",
                                "--mode",
                                "guest",
                                "--state-dir",
                                "/run/agent"));
        assertEquals(1024, ((VSockAddress) options.listen().address()).getPort());
        assertEquals("crun", options.runtime());
        assertEquals(AgentOptions.Mode.GUEST, options.mode());
    }

    @Test
    void namesTheBadOption() {
        assertTrue(
                reject("--listen", "unix:///a", "--io-listen")
                        .contains("--io-listen needs a value"));
        assertTrue(
                reject("--listen", "unix:///a").contains("--listen and --io-listen are required"));
        assertTrue(
                reject("--listen", "tcp://x", "--io-listen", "unix:///b")
                        .contains("--listen: bad endpoint"));
        assertTrue(reject("--bogus", "1").contains("unknown option --bogus"));
        assertTrue(
                reject("--listen", "unix:///a", "--io-listen", "unix:///b", "--mode", "vm")
                        .contains("--mode must be process or guest"));
    }

    private static String reject(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse(List.of(args)))
                .getMessage();
    }

    @Test
    void guestModeTakesTheSharedTagAndTheClock() {
        AgentOptions options =
                AgentOptions.parse(
                        List.of(
                                "--listen",
                                "vsock://4294967295:1024",
                                "--io-listen",
                                "vsock://4294967295:1025",
                                "--mode",
                                "guest",
                                "--shared-tag",
                                "stockade",
                                "--clock",
                                "1700000000123456789"));
        assertEquals(Optional.of("stockade"), options.sharedTag());
        assertEquals(Optional.of(Instant.ofEpochSecond(1700000000L, 123456789L)), options.clock());
        IllegalArgumentException badClock =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                AgentOptions.parse(
                                        List.of(
                                                "--listen",
                                                "vsock://4294967295:1024",
                                                "--io-listen",
                                                "vsock://4294967295:1025",
                                                "--mode",
                                                "guest",
                                                "--clock",
                                                "yesterday")));
        assertTrue(badClock.getMessage().contains("--clock"), badClock.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        AgentOptions.parse(
                                List.of(
                                        "--listen",
                                        "unix:///tmp/a.sock",
                                        "--io-listen",
                                        "unix:///tmp/b.sock",
                                        "--shared-tag",
                                        "x")),
                "guest options in process mode");
    }
}
