package io.stockade.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.epoll.VSockAddress;
import io.netty.channel.unix.DomainSocketAddress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

class EndpointTest {
    @Test
    void parsesTtrpcUnixAddresses() {
        Endpoint endpoint = Endpoint.parse("ttrpc+unix:///run/stockade/abc/task.sock");
        assertEquals(Endpoint.Protocol.TTRPC, endpoint.protocol());
        assertEquals(new DomainSocketAddress("/run/stockade/abc/task.sock"), endpoint.address());
    }

    @Test
    void parsesPlainUnixAddressesWithoutProtocol() {
        Endpoint endpoint = Endpoint.parse("unix:///run/containerd/containerd.sock.ttrpc");
        assertEquals(Endpoint.Protocol.UNSPECIFIED, endpoint.protocol());
        assertEquals(
                new DomainSocketAddress("/run/containerd/containerd.sock.ttrpc"),
                endpoint.address());
    }

    @Test
    void parsesVsockCidAndPort() {
        Endpoint endpoint = Endpoint.parse("ttrpc+vsock://3:1024");
        VSockAddress vsock = (VSockAddress) endpoint.address();
        assertEquals(3, vsock.getCid());
        assertEquals(1024, vsock.getPort());
    }

    @Test
    void parsesUnsignedVsockValues() {
        VSockAddress vsock =
                (VSockAddress) Endpoint.parse("vsock://4294967295:4294967295").address();
        assertEquals(VSockAddress.VMADDR_CID_ANY, vsock.getCid());
        assertEquals(VSockAddress.VMADDR_PORT_ANY, vsock.getPort());
    }

    @Test
    void parsesHybridVsockWithColonsInThePath() {
        Endpoint endpoint = Endpoint.parse("ttrpc+hvsock:///run/stockade/a:b/vsock.sock:1024");
        assertEquals(
                new HybridVSockAddress(Path.of("/run/stockade/a:b/vsock.sock"), 1024),
                endpoint.address());
    }

    @Test
    void parsesContainerdsBareGrpcPath() {
        Endpoint endpoint = Endpoint.parse("grpc+/run/stockade/abc/task.sock");
        assertEquals(Endpoint.Protocol.GRPC, endpoint.protocol());
        assertEquals(new DomainSocketAddress("/run/stockade/abc/task.sock"), endpoint.address());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "ttrpc+unix:///run/s/task.sock",
                "unix:///x.sock",
                "ttrpc+vsock://3:1024",
                "vsock://2:10",
                "ttrpc+hvsock:///run/s/vsock.sock:1024",
                "grpc+/run/s/task.sock"
            })
    void writesBackWhatItParsed(String uri) {
        assertEquals(uri, Endpoint.parse(uri).toString());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "tcp://127.0.0.1:80",
                "unix://relative.sock",
                "unix://",
                "unix:///",
                "vsock://3",
                "vsock://x:1",
                "vsock://3:-5",
                "hvsock:///run/vsock.sock",
                "hvsock:///run/vsock.sock:port",
                "ttrpc+relative/path"
            })
    void rejectsMalformedAddressesNamingTheInput(String uri) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Endpoint.parse(uri));
        assertTrue(e.getMessage().contains("'" + uri + "'"), e.getMessage());
    }
}
