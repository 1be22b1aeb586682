package io.stockade.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import containerd.events.Task.TaskExit;
import containerd.events.Task.TaskOOM;
import containerd.runc.v1.Oci;
import org.junit.jupiter.api.Test;

class TypeUrlsTest {

    private static final TaskExit EXIT = TaskExit.newBuilder()
            .setContainerId("c1")
            .setId("exec-1")
            .setPid(42)
            .setExitStatus(137)
            .setExitedAt(Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(5))
            .build();

    @Test
    void packWritesContainerdsBareTypeUrl() {
        Any any = TypeUrls.pack(EXIT);

        assertEquals("containerd.events.TaskExit", any.getTypeUrl());
        assertEquals(EXIT.toByteString(), any.getValue());
    }

    @Test
    void typeUrlOfAClassIsItsFullName() {
        assertEquals("containerd.runc.v1.Options", TypeUrls.of(Oci.Options.class));
        assertEquals("runtime.v1.PodSandboxConfig", TypeUrls.of(runtime.v1.Api.PodSandboxConfig.class));
    }

    @Test
    void unpackAcceptsTheBareForm() throws Exception {
        assertEquals(EXIT, TypeUrls.unpack(TypeUrls.pack(EXIT), TaskExit.class));
    }

    @Test
    void unpackAcceptsTheGoogleapisPrefixedForm() throws Exception {
        Any prefixed = Any.pack(EXIT);
        assertEquals("type.googleapis.com/containerd.events.TaskExit", prefixed.getTypeUrl());

        assertEquals(EXIT, TypeUrls.unpack(prefixed, TaskExit.class));
        assertTrue(TypeUrls.is(prefixed, TaskExit.class));
    }

    @Test
    void unpackOfAnotherTypeNamesExpectedAndActual() {
        Any oom = TypeUrls.pack(TaskOOM.newBuilder().setContainerId("c1").build());

        InvalidProtocolBufferException e =
                assertThrows(InvalidProtocolBufferException.class, () -> TypeUrls.unpack(oom, TaskExit.class));
        assertTrue(e.getMessage().contains("'containerd.events.TaskOOM'"), e.getMessage());
        assertTrue(e.getMessage().contains("'containerd.events.TaskExit'"), e.getMessage());
        assertFalse(TypeUrls.is(oom, TaskExit.class));
    }

    @Test
    void aTypeWhoseNameOnlyEndsTheSameIsNotAccepted() {
        Any lookalike = Any.newBuilder().setTypeUrl("other.containerd.events.TaskExit").build();

        assertThrows(InvalidProtocolBufferException.class, () -> TypeUrls.unpack(lookalike, TaskExit.class));
    }

    @Test
    void unparsableBytesAreReportedWithTheTypeUrl() {
        Any garbage = Any.newBuilder()
                .setTypeUrl("containerd.events.TaskExit")
                .setValue(ByteString.copyFrom(new byte[] {(byte) 0x0a, (byte) 0x05, 'a'}))
                .build();

        InvalidProtocolBufferException e =
                assertThrows(InvalidProtocolBufferException.class, () -> TypeUrls.unpack(garbage, TaskExit.class));
        assertTrue(e.getMessage().contains("containerd.events.TaskExit"), e.getMessage());
    }
}
