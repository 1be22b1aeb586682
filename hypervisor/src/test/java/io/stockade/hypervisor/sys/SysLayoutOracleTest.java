package io.stockade.hypervisor.sys;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The libc/kernel layouts, ioctl numbers and constants hand-written in {@code sys} agree with gcc's view of the headers. */
class SysLayoutOracleTest {

    @Test
    void structSizesMatchTheHeaders() {
        Map<String, Long> java = new TreeMap<>(Map.of(
                "epoll_event", Epoll.EPOLL_EVENT.byteSize(),
                "sigaction", Signals.SIGACTION_BYTES,
                "sigset_t", Signals.SIGSET_BYTES,
                "timespec", Signals.TIMESPEC_BYTES,
                "ifreq", Tap.IFREQ_BYTES));
        assertEquals(LayoutOracle.facts("sizeof", "sys"), java);
    }

    @Test
    void fieldOffsetsMatchTheHeaders() {
        Map<String, Long> java = new TreeMap<>(Map.of(
                "epoll_event.events", Epoll.EPOLL_EVENT.byteOffset(MemoryLayout.PathElement.groupElement("events")),
                "epoll_event.data", Epoll.EPOLL_EVENT.byteOffset(MemoryLayout.PathElement.groupElement("data")),
                "sigaction.sa_handler", Signals.SIGACTION_HANDLER_OFFSET,
                "sigaction.sa_mask", Signals.SIGACTION_MASK_OFFSET,
                "sigaction.sa_flags", Signals.SIGACTION_FLAGS_OFFSET,
                "ifreq.ifr_name", 0L,
                "ifreq.ifr_flags", Tap.IFREQ_FLAGS_OFFSET));
        assertEquals(LayoutOracle.facts("offsetof", "sys"), java);
    }

    @Test
    void ioctlNumbersMatchTheHeaders() {
        Map<String, Long> java = new TreeMap<>();
        for (IoctlRequest r : new IoctlRequest[] {Tap.TUNSETIFF, Tap.TUNSETOFFLOAD, Tap.TUNSETVNETHDRSZ}) {
            java.put(r.name(), r.number());
        }
        assertEquals(LayoutOracle.facts("ioctl", "sys"), java);
    }

    @Test
    void constantsMatchTheHeaders() {
        Map<String, Long> java = new TreeMap<>();
        java.put("O_RDONLY", (long) FileDescriptors.O_RDONLY);
        java.put("O_WRONLY", (long) FileDescriptors.O_WRONLY);
        java.put("O_RDWR", (long) FileDescriptors.O_RDWR);
        java.put("O_NONBLOCK", (long) FileDescriptors.O_NONBLOCK);
        java.put("O_CLOEXEC", (long) FileDescriptors.O_CLOEXEC);
        java.put("PROT_READ", (long) Mmap.PROT_READ);
        java.put("PROT_WRITE", (long) Mmap.PROT_WRITE);
        java.put("MAP_SHARED", (long) Mmap.MAP_SHARED);
        java.put("MAP_PRIVATE", (long) Mmap.MAP_PRIVATE);
        java.put("MAP_ANONYMOUS", (long) Mmap.MAP_ANONYMOUS);
        java.put("MAP_NORESERVE", (long) Mmap.MAP_NORESERVE);
        java.put("MADV_DONTNEED", (long) Mmap.MADV_DONTNEED);
        java.put("MADV_DONTFORK", (long) Mmap.MADV_DONTFORK);
        java.put("MADV_MERGEABLE", (long) Mmap.MADV_MERGEABLE);
        java.put("MADV_DONTDUMP", (long) Mmap.MADV_DONTDUMP);
        java.put("MFD_CLOEXEC", (long) Memfd.MFD_CLOEXEC);
        java.put("MFD_ALLOW_SEALING", (long) Memfd.MFD_ALLOW_SEALING);
        java.put("EFD_NONBLOCK", (long) EventFd.EFD_NONBLOCK);
        java.put("EFD_CLOEXEC", (long) EventFd.EFD_CLOEXEC);
        java.put("EPOLL_CLOEXEC", (long) Epoll.EPOLL_CLOEXEC);
        java.put("EPOLL_CTL_ADD", (long) Epoll.EPOLL_CTL_ADD);
        java.put("EPOLL_CTL_DEL", (long) Epoll.EPOLL_CTL_DEL);
        java.put("EPOLL_CTL_MOD", (long) Epoll.EPOLL_CTL_MOD);
        java.put("EPOLLIN", (long) Epoll.EPOLLIN);
        java.put("EPOLLOUT", (long) Epoll.EPOLLOUT);
        java.put("EPOLLERR", (long) Epoll.EPOLLERR);
        java.put("EPOLLHUP", (long) Epoll.EPOLLHUP);
        java.put("EPOLLRDHUP", (long) Epoll.EPOLLRDHUP);
        java.put("EPOLLET", Integer.toUnsignedLong(Epoll.EPOLLET));
        java.put("SIG_BLOCK", (long) Signals.SIG_BLOCK);
        java.put("SIG_UNBLOCK", (long) Signals.SIG_UNBLOCK);
        java.put("SIG_IGN", Signals.SIG_IGN);
        java.put("IFNAMSIZ", (long) Tap.IFNAMSIZ);
        java.put("IFF_TAP", (long) Tap.IFF_TAP);
        java.put("IFF_NO_PI", (long) Tap.IFF_NO_PI);
        java.put("IFF_VNET_HDR", (long) Tap.IFF_VNET_HDR);
        java.put("TUN_F_CSUM", (long) Tap.TUN_F_CSUM);
        java.put("TUN_F_TSO4", (long) Tap.TUN_F_TSO4);
        java.put("TUN_F_TSO6", (long) Tap.TUN_F_TSO6);
        java.put("TUN_F_TSO_ECN", (long) Tap.TUN_F_TSO_ECN);
        java.put("TUN_F_UFO", (long) Tap.TUN_F_UFO);
        java.put("CLONE_NEWNET", (long) Namespaces.CLONE_NEWNET);
        assertEquals(LayoutOracle.facts("const", "sys"), java);
    }

    @Test
    void everyErrnoInTheTableHasItsLinuxNumber() {
        Map<String, Long> java = new TreeMap<>();
        for (Errno e : Errno.values()) {
            java.put(e.name(), (long) e.number());
        }
        assertEquals(LayoutOracle.facts("const", "errno"), java);
    }
}
