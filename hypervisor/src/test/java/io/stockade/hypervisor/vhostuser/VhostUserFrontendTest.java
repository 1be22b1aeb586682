package io.stockade.hypervisor.vhostuser;

import static io.stockade.hypervisor.vhostuser.ScriptedBackend.reply;
import static io.stockade.hypervisor.vhostuser.ScriptedBackend.state;
import static io.stockade.hypervisor.vhostuser.ScriptedBackend.u64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.sys.EventFd;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class VhostUserFrontendTest {

    private final ScriptedBackend backend = new ScriptedBackend();
    private final VhostUserFrontend frontend = new VhostUserFrontend(backend);

    @Test
    void getFeaturesSendsAnEmptyRequestAndReturnsTheBackendsBits() {
        backend.answer(Request.GET_FEATURES, u64(0x1_4000_0000L));
        assertEquals(0x1_4000_0000L, frontend.getFeatures());
        ScriptedBackend.Sent sent = backend.last();
        assertEquals(new MessageHeader(1, MessageHeader.VERSION, 0), sent.header());
        assertEquals(0, sent.payload().length);
    }

    @Test
    void requestsWithoutReplyWaitForNothingBeforeReplyAck() {
        frontend.setOwner();
        frontend.setFeatures(0x1_4000_0000L);
        assertEquals(new MessageHeader(3, 1, 0), backend.sent().get(0).header());
        assertEquals(new MessageHeader(2, 1, 8), backend.sent().get(1).header());
        assertEquals(0x1_4000_0000L, backend.sent().get(1).body().getLong());
    }

    @Test
    void memTableCarriesEveryRegionAndItsFdInOrder() {
        frontend.setMemTable(List.of(new MemoryRegion(0, 0x10000, 0x7f00_0000_0000L, 0, 11),
                new MemoryRegion(0x100000, 0x20000, 0x7f00_0001_0000L, 0x10000, 12)));
        ScriptedBackend.Sent sent = backend.last();
        assertEquals(new MessageHeader(5, 1, 8 + 2 * 32), sent.header());
        assertArrayEquals(new int[] {11, 12}, sent.fds());
        ByteBuffer b = sent.body();
        assertEquals(2, b.getInt());
        assertEquals(0, b.getInt());
        assertEquals(0, b.getLong());
        assertEquals(0x10000, b.getLong());
        assertEquals(0x7f00_0000_0000L, b.getLong());
        assertEquals(0, b.getLong());
        assertEquals(0x100000, b.getLong());
        assertEquals(0x20000, b.getLong());
        assertEquals(0x7f00_0001_0000L, b.getLong());
        assertEquals(0x10000, b.getLong());
    }

    @Test
    void memTableNeedsOneToEightRegions() {
        assertThrows(IllegalArgumentException.class, () -> frontend.setMemTable(List.of()));
        MemoryRegion r = new MemoryRegion(0, 0x1000, 0x1000, 0, 3);
        assertThrows(IllegalArgumentException.class, () -> frontend.setMemTable(Collections.nCopies(9, r)));
        assertTrue(backend.sent().isEmpty());
    }

    @Test
    void userAddressTranslatesThroughTheLastMemTable() {
        frontend.setMemTable(List.of(new MemoryRegion(0x100000, 0x20000, 0x7f00_0001_0000L, 0, 12)));
        assertEquals(0x7f00_0001_0040L, frontend.userAddress(0x100040));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> frontend.userAddress(0x40));
        assertTrue(e.getMessage().contains("0x40") && e.getMessage().contains("/test/fs.sock"), e.getMessage());
    }

    @Test
    void vringMessagesCarryIndexAndValue() {
        frontend.setVringNum(1, 128);
        frontend.setVringBase(1, 0);
        frontend.setVringEnable(1, true);
        assertEquals(new MessageHeader(8, 1, 8), backend.sent().get(0).header());
        assertArrayEquals(state(1, 128), backend.sent().get(0).payload());
        assertArrayEquals(state(1, 0), backend.sent().get(1).payload());
        assertEquals(18, backend.sent().get(2).header().request());
        assertArrayEquals(state(1, 1), backend.sent().get(2).payload());
    }

    @Test
    void kickAndCallSendTheirEventfdWithTheIndex() {
        try (EventFd kick = EventFd.create(); EventFd call = EventFd.create()) {
            frontend.setVringKick(1, kick);
            frontend.setVringCall(0, call);
            assertEquals(12, backend.sent().get(0).header().request());
            assertEquals(1, backend.sent().get(0).body().getLong());
            assertArrayEquals(new int[] {kick.fd()}, backend.sent().get(0).fds());
            assertEquals(13, backend.sent().get(1).header().request());
            assertArrayEquals(new int[] {call.fd()}, backend.sent().get(1).fds());
        }
    }

    @Test
    void vringWithoutEventfdSetsTheNoFdBit() {
        frontend.setVringErr(2, null);
        assertEquals(2 | VhostUserFrontend.VRING_NOFD, backend.last().body().getLong());
        assertEquals(0, backend.last().fds().length);
    }

    @Test
    void invalidVringArgumentsAreRefusedBeforeSending() {
        assertThrows(IllegalArgumentException.class, () -> frontend.setVringNum(0, 0));
        assertThrows(IllegalArgumentException.class, () -> frontend.setVringNum(0, 65536));
        assertThrows(IllegalArgumentException.class, () -> frontend.setVringNum(256, 128));
        assertThrows(IllegalArgumentException.class, () -> frontend.setVringBase(0, 0x10000));
        assertTrue(backend.sent().isEmpty());
    }

    @Test
    void withReplyAckEveryRequestAsksForAndAwaitsAnAck() {
        frontend.setProtocolFeatures(ProtocolFeatures.REPLY_ACK | ProtocolFeatures.MQ);
        backend.ack(Request.SET_VRING_NUM);
        frontend.setVringNum(0, 64);
        assertEquals(MessageHeader.VERSION | MessageHeader.NEED_REPLY, backend.last().header().flags());
        assertFalse(frontend.isBroken());
    }

    @Test
    void setProtocolFeaturesItselfIsNotAcked() {
        frontend.setProtocolFeatures(ProtocolFeatures.REPLY_ACK);
        assertEquals(MessageHeader.VERSION, backend.last().header().flags());
    }

    @Test
    void rejectedRequestIsAnErrorButKeepsTheConnection() {
        frontend.setProtocolFeatures(ProtocolFeatures.REPLY_ACK);
        backend.answer(Request.SET_MEM_TABLE, u64(1));
        VhostUserException e = assertThrows(VhostUserException.class,
                () -> frontend.setMemTable(List.of(new MemoryRegion(0, 0x1000, 0x1000, 0, 3))));
        assertTrue(e.getMessage().contains("/test/fs.sock rejected SET_MEM_TABLE"), e.getMessage());
        assertFalse(frontend.isBroken());
        backend.ack(Request.SET_OWNER);
        frontend.setOwner();
    }

    @Test
    void replyToTheWrongRequestBreaksTheConnection() {
        backend.answer(Request.GET_PROTOCOL_FEATURES, u64(0));
        VhostUserException e = assertThrows(VhostUserException.class, frontend::getFeatures);
        assertTrue(e.getMessage().contains("/test/fs.sock: GET_FEATURES failed"), e.getMessage());
        assertTrue(e.getMessage().contains("GET_PROTOCOL_FEATURES"), e.getMessage());
        assertTrue(frontend.isBroken());
    }

    @Test
    void aBrokenConnectionRefusesLaterRequestsNamingTheFirstFailure() {
        backend.answerRaw(reply(1, MessageHeader.VERSION, u64(0))); // no REPLY flag
        assertThrows(VhostUserException.class, frontend::getFeatures);
        backend.answer(Request.GET_QUEUE_NUM, u64(2));
        VhostUserException e = assertThrows(VhostUserException.class, frontend::getQueueNum);
        assertTrue(e.getMessage().contains("GET_QUEUE_NUM refused"), e.getMessage());
        assertTrue(e.getMessage().contains("GET_FEATURES: reply lacks the REPLY flag"), e.getMessage());
        assertEquals(1, backend.sent().size());
    }

    @Test
    void replyOfTheWrongSizeBreaksTheConnection() {
        backend.answer(Request.GET_FEATURES, new byte[4]);
        assertThrows(VhostUserException.class, frontend::getFeatures);
        assertTrue(frontend.brokenReason().orElseThrow().contains("4 bytes, expected 8"));
    }

    @Test
    void replyWithAnotherProtocolVersionBreaksTheConnection() {
        backend.answerRaw(reply(1, 2 | MessageHeader.REPLY, u64(0)));
        assertThrows(VhostUserException.class, frontend::getFeatures);
        assertTrue(frontend.isBroken());
    }

    @Test
    void backendHangingUpBreaksTheConnection() {
        VhostUserException e = assertThrows(VhostUserException.class, frontend::getProtocolFeatures);
        assertTrue(e.getMessage().contains("GET_PROTOCOL_FEATURES failed"), e.getMessage());
        assertTrue(e.getMessage().contains("closed the connection"), e.getMessage());
        assertTrue(frontend.isBroken());
    }

    @Test
    void failedSendBreaksTheConnection() {
        backend.failSendsWith(new IllegalStateException("sendmsg: EPIPE"));
        VhostUserException e = assertThrows(VhostUserException.class, frontend::setOwner);
        assertTrue(e.getMessage().contains("SET_OWNER failed") && e.getMessage().contains("EPIPE"), e.getMessage());
        assertTrue(frontend.isBroken());
    }

    @Test
    void getVringBaseReturnsTheBackendsIndexAndChecksTheRing() {
        backend.answer(Request.GET_VRING_BASE, state(1, 42));
        assertEquals(42, frontend.getVringBase(1));
        backend.answer(Request.GET_VRING_BASE, state(0, 7));
        assertThrows(VhostUserException.class, () -> frontend.getVringBase(1));
        assertTrue(frontend.isBroken());
    }

    @Test
    void absurdQueueCountBreaksTheConnection() {
        backend.answer(Request.GET_QUEUE_NUM, u64(0));
        assertThrows(VhostUserException.class, frontend::getQueueNum);
        assertTrue(frontend.isBroken());
    }

    @Test
    void closeClosesTheChannelOnceAndLaterRequestsFail() {
        frontend.close();
        frontend.close();
        assertTrue(backend.isClosed());
        VhostUserException e = assertThrows(VhostUserException.class, frontend::setOwner);
        assertTrue(e.getMessage().contains("closed connection"), e.getMessage());
    }
}
