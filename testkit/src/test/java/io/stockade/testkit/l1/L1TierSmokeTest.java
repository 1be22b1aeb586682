package io.stockade.testkit.l1;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

/**
 * The kvm tier end to end: boots L1 once and runs testkit's own {@code @Tag("l1")} tests in it, each reported here.
 * Run with {@code ./mvnw -pl testkit install -Dstockade.tiers=unit,host,kvm}.
 */
@Tag("kvm")
class L1TierSmokeTest {
    /** As other modules use it: no classes named, so the module's test classes are scanned for the l1 tag. */
    @TestFactory
    Stream<DynamicTest> testkitL1TestsPassInsideL1() {
        return L1TestRunner.runTaggedInL1();
    }
}
