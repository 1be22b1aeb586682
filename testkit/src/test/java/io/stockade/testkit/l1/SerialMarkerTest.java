package io.stockade.testkit.l1;

import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.OptionalDouble;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SerialMarkerTest {
    @Test
    void eventWithDetailAndUptime() {
        assertEquals(Optional.of(new SerialMarker("kvm-ready", "nested=1 npt=Y", OptionalDouble.of(5.56))),
                SerialMarker.parse("STOCKADE-L1: kvm-ready nested=1 npt=Y uptime=5.56\r"));
    }

    @Test
    void eventWithUptimeOnly() {
        assertEquals(Optional.of(new SerialMarker("job-start", "", OptionalDouble.of(4.11))),
                SerialMarker.parse("STOCKADE-L1: job-start uptime=4.11"));
    }

    @Test
    void fatalLineKeepsItsReasonAndMessage() {
        assertEquals(Optional.of(new SerialMarker("FATAL", "no-kvm: /dev/kvm did not appear", OptionalDouble.empty())),
                SerialMarker.parse("STOCKADE-L1: FATAL no-kvm: /dev/kvm did not appear"));
    }

    @Test
    void anUptimeWordInsideAMessageIsNotTakenForTheStamp() {
        assertEquals(Optional.of(new SerialMarker("FATAL", "x: bad uptime=abc", OptionalDouble.empty())),
                SerialMarker.parse("STOCKADE-L1: FATAL x: bad uptime=abc"));
    }

    @Test
    void otherLinesAreNotMarkers() {
        assertEquals(Optional.empty(), SerialMarker.parse("[    4.598920] reboot: Power down"));
        assertEquals(Optional.empty(), SerialMarker.parse("hello STOCKADE-L1: job-start uptime=1"));
        assertEquals(Optional.empty(), SerialMarker.parse("STOCKADE-L1: "));
    }
}
