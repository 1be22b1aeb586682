package io.stockade.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor.Type;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * Pins the parts of the vendored protos that containerd 2.1 relies on (names, field numbers, types), read from the
 * generated descriptors, so that an accidental edit of a .proto file fails the build instead of the wire.
 */
class WireContractTest {

    @Test
    void controllerStartAndStatusCarryTheTaskApiAddressAndVersion() {
        Descriptor start = containerd.services.sandbox.v1.Sandbox.ControllerStartResponse.getDescriptor();
        assertField(start, "address", 5, Type.STRING);
        assertField(start, "version", 6, Type.UINT32);
        assertField(start, "pid", 2, Type.UINT32);

        Descriptor status = containerd.services.sandbox.v1.Sandbox.ControllerStatusResponse.getDescriptor();
        assertField(status, "state", 3, Type.STRING);
        assertField(status, "address", 8, Type.STRING);
        assertField(status, "version", 9, Type.UINT32);
    }

    @Test
    void controllerRequestsCarryTheSandboxerName() {
        Descriptor create = containerd.services.sandbox.v1.Sandbox.ControllerCreateRequest.getDescriptor();
        assertField(create, "sandbox_id", 1, Type.STRING);
        assertField(create, "options", 3, Type.MESSAGE);
        assertField(create, "netns_path", 4, Type.STRING);
        assertField(create, "sandbox", 6, Type.MESSAGE);
        assertField(create, "sandboxer", 10, Type.STRING);
        assertField(containerd.services.sandbox.v1.Sandbox.ControllerUpdateRequest.getDescriptor(), "sandboxer", 2,
                Type.STRING);
        assertField(containerd.types.SandboxOuterClass.Sandbox.getDescriptor(), "sandboxer", 10, Type.STRING);
    }

    @Test
    void controllerServiceHasTheNineRpcsContainerdCalls() {
        ServiceDescriptor controller = containerd.services.sandbox.v1.Sandbox.getDescriptor()
                .findServiceByName("Controller");
        assertEquals("containerd.services.sandbox.v1.Controller", controller.getFullName());
        assertEquals(List.of("Create", "Start", "Platform", "Stop", "Wait", "Status", "Shutdown", "Metrics", "Update"),
                controller.getMethods().stream().map(MethodDescriptor::getName).toList());
    }

    @Test
    void createTaskRequestFieldsOneToTen() {
        Descriptor create = containerd.task.v3.Shim.CreateTaskRequest.getDescriptor();
        assertField(create, "id", 1, Type.STRING);
        assertField(create, "bundle", 2, Type.STRING);
        assertField(create, "rootfs", 3, Type.MESSAGE);
        assertField(create, "terminal", 4, Type.BOOL);
        assertField(create, "stdin", 5, Type.STRING);
        assertField(create, "stdout", 6, Type.STRING);
        assertField(create, "stderr", 7, Type.STRING);
        assertField(create, "checkpoint", 8, Type.STRING);
        assertField(create, "parent_checkpoint", 9, Type.STRING);
        assertField(create, "options", 10, Type.MESSAGE);
        assertEquals(10, create.getFields().size());
        assertEquals("containerd.types.Mount", create.findFieldByName("rootfs").getMessageType().getFullName());
    }

    @Test
    void taskServiceNamesMatchTheTtrpcServiceName() {
        ServiceDescriptor v3 = containerd.task.v3.Shim.getDescriptor().findServiceByName("Task");
        assertEquals("containerd.task.v3.Task", v3.getFullName());
        assertEquals(17, v3.getMethods().size());
        assertNotNull(v3.findMethodByName("Pids"));
        assertEquals("containerd.task.v2.Task",
                containerd.task.v2.Shim.getDescriptor().findServiceByName("Task").getFullName());
        Descriptor state = containerd.task.v3.Shim.StateResponse.getDescriptor();
        assertField(state, "status", 4, Type.ENUM);
        assertField(state, "exec_id", 11, Type.STRING);
        assertEquals("containerd.v1.types.Status", state.findFieldByName("status").getEnumType().getFullName());
    }

    @Test
    void runcOptionsCarryTheTaskApiEndpoint() {
        Descriptor options = containerd.runc.v1.Oci.Options.getDescriptor();
        assertField(options, "task_api_address", 12, Type.STRING);
        assertField(options, "task_api_version", 13, Type.UINT32);
        assertEquals(null, options.findFieldByNumber(8), "criu_path (8) was removed upstream and is reserved");
    }

    @Test
    void ttrpcEnvelopes() {
        Descriptor request = io.stockade.ttrpc.wire.Request.getDescriptor();
        assertEquals("ttrpc.Request", request.getFullName());
        assertField(request, "service", 1, Type.STRING);
        assertField(request, "method", 2, Type.STRING);
        assertField(request, "payload", 3, Type.BYTES);
        assertField(request, "timeout_nano", 4, Type.INT64);
        assertField(request, "metadata", 5, Type.MESSAGE);
        Descriptor response = io.stockade.ttrpc.wire.Response.getDescriptor();
        assertField(response, "status", 1, Type.MESSAGE);
        assertField(response, "payload", 2, Type.BYTES);
        assertEquals("google.rpc.Status", response.findFieldByName("status").getMessageType().getFullName());
        Descriptor keyValue = io.stockade.ttrpc.wire.KeyValue.getDescriptor();
        assertField(keyValue, "key", 1, Type.STRING);
        assertField(keyValue, "value", 2, Type.STRING);
    }

    @Test
    void envelopeFieldsOneToFour() {
        Descriptor envelope = containerd.types.Event.Envelope.getDescriptor();
        assertEquals("containerd.types.Envelope", envelope.getFullName());
        assertField(envelope, "timestamp", 1, Type.MESSAGE);
        assertField(envelope, "namespace", 2, Type.STRING);
        assertField(envelope, "topic", 3, Type.STRING);
        assertField(envelope, "event", 4, Type.MESSAGE);
        assertEquals(envelope, containerd.services.events.ttrpc.v1.EventsOuterClass.ForwardRequest.getDescriptor()
                .findFieldByName("envelope").getMessageType());
        assertEquals(envelope, containerd.services.events.v1.EventsOuterClass.getDescriptor().findServiceByName("Events")
                .findMethodByName("Subscribe").getOutputType());
    }

    @Test
    void eventServicesHaveContainerdsFullNames() {
        assertEquals("containerd.services.events.ttrpc.v1.Events",
                containerd.services.events.ttrpc.v1.EventsOuterClass.getDescriptor().findServiceByName("Events").getFullName());
        ServiceDescriptor grpc = containerd.services.events.v1.EventsOuterClass.getDescriptor().findServiceByName("Events");
        assertEquals("containerd.services.events.v1.Events", grpc.getFullName());
        assertEquals(List.of("Publish", "Forward", "Subscribe"),
                grpc.getMethods().stream().map(MethodDescriptor::getName).toList());
    }

    @Test
    void taskExitFields() {
        Descriptor exit = containerd.events.Task.TaskExit.getDescriptor();
        assertEquals("containerd.events.TaskExit", exit.getFullName());
        assertField(exit, "container_id", 1, Type.STRING);
        assertField(exit, "id", 2, Type.STRING);
        assertField(exit, "pid", 3, Type.UINT32);
        assertField(exit, "exit_status", 4, Type.UINT32);
        assertField(exit, "exited_at", 5, Type.MESSAGE);
        assertField(containerd.events.Task.TaskOOM.getDescriptor(), "container_id", 1, Type.STRING);
        assertField(containerd.events.Task.TaskDelete.getDescriptor(), "id", 5, Type.STRING);
    }

    @Test
    void streamingTypes() {
        assertField(containerd.services.streaming.v1.StreamingOuterClass.StreamInit.getDescriptor(), "id", 1,
                Type.STRING);
        assertField(containerd.types.transfer.Streaming.Data.getDescriptor(), "data", 1, Type.BYTES);
        assertField(containerd.types.transfer.Streaming.WindowUpdate.getDescriptor(), "update", 1, Type.INT32);
    }

    @Test
    void criPodSandboxConfigAsCarriedInControllerCreateOptions() {
        Descriptor config = runtime.v1.Api.PodSandboxConfig.getDescriptor();
        assertEquals("runtime.v1.PodSandboxConfig", config.getFullName());
        assertField(config, "metadata", 1, Type.MESSAGE);
        assertField(config, "hostname", 2, Type.STRING);
        assertField(config, "log_directory", 3, Type.STRING);
        assertField(config, "dns_config", 4, Type.MESSAGE);
        assertField(config, "port_mappings", 5, Type.MESSAGE);
        assertField(config, "labels", 6, Type.MESSAGE);
        assertField(config, "annotations", 7, Type.MESSAGE);
        assertField(config, "linux", 8, Type.MESSAGE);
    }

    @Test
    void cgroupsV2MetricsName() {
        Descriptor metrics = io.containerd.cgroups.v2.MetricsOuterClass.Metrics.getDescriptor();
        assertEquals("io.containerd.cgroups.v2.Metrics", metrics.getFullName());
        assertField(metrics, "memory", 4, Type.MESSAGE);
        assertField(metrics, "memory_events", 8, Type.MESSAGE);
    }

    private static void assertField(Descriptor message, String name, int number, Type type) {
        FieldDescriptor field = message.findFieldByName(name);
        assertNotNull(field, message.getFullName() + " has no field '" + name + "'");
        assertEquals(number, field.getNumber(), message.getFullName() + "." + name + " number");
        assertEquals(type, field.getType(), message.getFullName() + "." + name + " type");
    }
}
