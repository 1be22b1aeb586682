package io.stockade.agent.boot;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Sends the JVM's standard output and error (and so the log) to the serial console. */
public final class GuestConsole {
    private GuestConsole() {}

    /**
     * Redirects System.out and System.err to {@code /dev/console}. Call before the first log
     * statement: the log handler captures System.err when it is created. If the console cannot be
     * opened, output stays where it was.
     */
    public static void redirect() {
        try {
            PrintStream console =
                    new PrintStream(
                            new FileOutputStream("/dev/console"), true, StandardCharsets.UTF_8);
            System.setOut(console);
            System.setErr(console);
        } catch (IOException e) {
            System.err.println(
                    "stockade-agent: cannot open /dev/console ("
                            + e
                            + "); logging to the inherited stderr");
        }
    }
}
