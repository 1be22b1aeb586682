package io.stockade.hypervisor.vhostuser;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MessageHeaderTest {

    @Test
    void requestHeaderIsThreeLittleEndianWordsWithVersionOne() {
        byte[] bytes = MessageHeader.request(Request.SET_MEM_TABLE, false, 0x48).encode();
        assertArrayEquals(new byte[] {5, 0, 0, 0, 1, 0, 0, 0, 0x48, 0, 0, 0}, bytes);
    }

    @Test
    void needReplySetsBitThree() {
        assertEquals(0x9, MessageHeader.request(Request.SET_VRING_NUM, true, 8).flags());
    }

    @Test
    void decodeReadsWhatEncodeWrote() {
        MessageHeader h = new MessageHeader(17, 5, 8);
        assertEquals(h, MessageHeader.decode(h.encode()));
    }

    @Test
    void decodeRejectsAShortHeader() {
        assertThrows(IllegalArgumentException.class, () -> MessageHeader.decode(new byte[11]));
    }

    @Test
    void wellFormedReplyHasNoProblem() {
        assertNull(new MessageHeader(1, MessageHeader.VERSION | MessageHeader.REPLY, 8)
                .replyProblem(Request.GET_FEATURES, 8));
    }

    @Test
    void replyToAnotherRequestIsNamed() {
        String problem = new MessageHeader(15, 5, 8).replyProblem(Request.GET_FEATURES, 8);
        assertEquals("reply is for request GET_PROTOCOL_FEATURES, not GET_FEATURES", problem);
    }

    @Test
    void replyWithUnknownCodeShowsTheCode() {
        String problem = new MessageHeader(999, 5, 8).replyProblem(Request.GET_FEATURES, 8);
        assertTrue(problem.contains("code 999"), problem);
    }

    @Test
    void replyWithWrongVersionIsRejected() {
        String problem = new MessageHeader(1, 2 | MessageHeader.REPLY, 8).replyProblem(Request.GET_FEATURES, 8);
        assertTrue(problem.contains("version 2"), problem);
    }

    @Test
    void replyWithoutReplyFlagIsRejected() {
        String problem = new MessageHeader(1, 1, 8).replyProblem(Request.GET_FEATURES, 8);
        assertTrue(problem.contains("REPLY flag"), problem);
    }

    @Test
    void replyWithWrongSizeIsRejectedEvenIfHuge() {
        String problem = new MessageHeader(1, 5, -1).replyProblem(Request.GET_FEATURES, 8);
        assertEquals("reply payload is 4294967295 bytes, expected 8", problem);
    }
}
