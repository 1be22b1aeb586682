package io.stockade.testkit.l1;

import java.util.Objects;

/**
 * One test case's result as the JUnit console launcher reported it inside L1 (a {@code <testcase>} of its XML report).
 *
 * @param className  the test class, fully qualified
 * @param name       the test's name, e.g. {@code apiVersionIs12()}
 * @param status     how it ended
 * @param message    the failure or skip message, possibly empty
 * @param trace      for a failure: the exception type and in-L1 stack trace as text, possibly empty
 */
record L1TestCase(String className, String name, Status status, String message, String trace) {
    enum Status { PASSED, FAILED, SKIPPED }

    L1TestCase {
        Objects.requireNonNull(className, "className");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(trace, "trace");
    }

    /** {@code DevKvmL1Test.apiVersionIs12()}: short, but unique enough within one module. */
    String displayName() {
        return className.substring(className.lastIndexOf('.') + 1) + "." + name;
    }
}
