package io.stockade.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Status;
import io.stockade.ttrpc.testing.EchoGrpc;

import org.junit.jupiter.api.Test;

import java.util.List;

class ServiceRegistryTest {
    private final ServiceRegistry registry =
            new ServiceRegistry(List.of(new EchoGrpc.EchoImplBase() {}.bindService()));

    @Test
    void findsMethodsByTtrpcServiceAndMethodName() {
        assertNotNull(registry.find("stockade.ttrpc.testing.Echo", "Say"));
        assertNotNull(registry.find("stockade.ttrpc.testing.Echo", "Chat"));
    }

    @Test
    void saysWhetherTheServiceOrOnlyTheMethodIsUnknown() {
        assertNull(registry.find("stockade.ttrpc.testing.Echo", "Shout"));
        Status noMethod = registry.unimplemented("stockade.ttrpc.testing.Echo", "Shout");
        assertEquals(Status.Code.UNIMPLEMENTED, noMethod.getCode());
        assertEquals("method stockade.ttrpc.testing.Echo/Shout", noMethod.getDescription());
        assertEquals(
                "service containerd.task.v3.Task",
                registry.unimplemented("containerd.task.v3.Task", "Create").getDescription());
    }

    @Test
    void refusesTheSameServiceTwice() {
        var echo = new EchoGrpc.EchoImplBase() {}.bindService();
        assertThrows(
                IllegalArgumentException.class, () -> new ServiceRegistry(List.of(echo, echo)));
    }
}
