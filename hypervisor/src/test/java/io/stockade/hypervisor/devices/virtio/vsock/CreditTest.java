package io.stockade.hypervisor.devices.virtio.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CreditTest {

    private final Credit credit = new Credit();

    @Test
    void theGuestMaySendUpToTheAdvertisedBufferOfUnforwardedBytes() {
        assertTrue(credit.guestMaySend(Credit.BUFFER_BYTES));
        credit.receivedFromGuest(Credit.BUFFER_BYTES - 10);
        assertTrue(credit.guestMaySend(10));
        assertFalse(credit.guestMaySend(11));
        credit.forwarded(1);
        assertTrue(credit.guestMaySend(11));
    }

    @Test
    void aCreditUpdateIsDueOnceTheGuestBelievesLessThanHalfIsFreeAndSomethingWasForwarded() {
        credit.receivedFromGuest(Credit.BUFFER_BYTES / 2 + 1);
        assertFalse(credit.guestNeedsUpdate(), "nothing forwarded: nothing new to tell");
        credit.forwarded(100);
        assertTrue(credit.guestNeedsUpdate());
        credit.advertised();
        assertFalse(credit.guestNeedsUpdate());
    }

    @Test
    void noUpdateWhileTheGuestStillBelievesPlentyIsFree() {
        credit.receivedFromGuest(4096);
        credit.forwarded(4096);
        assertFalse(credit.guestNeedsUpdate());
    }

    @Test
    void sendingToTheGuestStaysWithinItsCreditAcrossCounterWraparound() {
        credit.updateFromGuest(65536, 0);
        assertEquals(65536, credit.guestFree());
        credit.sentToGuest(65536);
        assertEquals(0, credit.guestFree());

        credit.updateFromGuest(65536, 65536);
        assertEquals(65536, credit.guestFree());
        credit.sentToGuest(0xffff_ffffL); // the free-running counters wrap
        credit.updateFromGuest(65536, 65535);
        assertEquals(65536, credit.guestFree());
    }

    @Test
    void aGuestClaimingToHaveForwardedMoreThanItGotGetsNoCredit() {
        credit.sentToGuest(100);
        credit.updateFromGuest(65536, 200);
        assertEquals(0, credit.guestFree());
    }
}
