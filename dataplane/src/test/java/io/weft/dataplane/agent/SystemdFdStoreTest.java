package io.weft.dataplane.agent;

import com.sun.jna.Memory;
import io.weft.dataplane.InheritedFds;
import io.weft.dataplane.os.LibC;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SystemdFdStoreTest {

    @Test
    void descriptorsPassedToUsAreTakenByNameInWorkerOrder() {
        InheritedFds fds = SystemdFdStore.inherited(Map.of("LISTEN_PID", "42", "LISTEN_FDS", "5",
                "LISTEN_FDNAMES", "weft-udp-1:weft-tun-0:weft-tun-1:weft-udp-0:something"), 42);
        assertThat(fds.tunQueues()).containsExactly(4, 5);
        assertThat(fds.udpSockets()).containsExactly(6, 3);
        assertThat(fds.unused()).containsExactly(7);
        assertThat(fds.hasSockets(2)).isTrue();
        assertThat(fds.socket(1, 2)).isEqualTo(3);
        assertThat(fds.socket(1, 3)).as("not one per worker: bind anew").isEqualTo(-1);
    }

    @Test
    void aDualStackRunsIpv6SocketsComeBackByTheirOwnNames() {
        InheritedFds fds = SystemdFdStore.inherited(Map.of("LISTEN_PID", "42", "LISTEN_FDS", "6",
                "LISTEN_FDNAMES", "weft-tun-0:weft-tun-1:weft-udp-0:weft-udp-1:weft-udp6-1:weft-udp6-0"), 42);
        assertThat(fds.tunQueues()).containsExactly(3, 4);
        assertThat(fds.udpSockets()).containsExactly(5, 6);
        assertThat(fds.udp6Sockets()).containsExactly(8, 7);
        assertThat(fds.unused()).isEmpty();
        assertThat(fds.socket6(0, 2)).isEqualTo(8);
        assertThat(fds.socket6(0, 1)).as("not one per worker: bind anew").isEqualTo(-1);
        assertThat(fds.hasSockets6(2)).isTrue();
        assertThat(fds.all()).containsExactlyInAnyOrder(3, 4, 5, 6, 7, 8);
    }

    @Test
    void anIpv4OnlyRunHasNoIpv6SocketsAndAGapInThemIsNotUsed() {
        assertThat(SystemdFdStore.inherited(Map.of("LISTEN_PID", "42", "LISTEN_FDS", "2",
                "LISTEN_FDNAMES", "weft-tun-0:weft-udp-0"), 42).udp6Sockets()).isEmpty();
        InheritedFds gap = SystemdFdStore.inherited(Map.of("LISTEN_PID", "42", "LISTEN_FDS", "3",
                "LISTEN_FDNAMES", "weft-udp-0:weft-udp6-1:weft-tun-0"), 42);
        assertThat(gap.udpSockets()).containsExactly(3);
        assertThat(gap.udp6Sockets()).isEmpty();
        assertThat(gap.unused()).containsExactly(4);
    }

    @Test
    void descriptorsForAnotherProcessOrWithAGapAreNotOurs() {
        assertThat(SystemdFdStore.inherited(Map.of("LISTEN_PID", "41", "LISTEN_FDS", "1", "LISTEN_FDNAMES", "weft-tun-0"), 42))
                .isEqualTo(InheritedFds.NONE);
        assertThat(SystemdFdStore.inherited(Map.of(), 42)).isEqualTo(InheritedFds.NONE);
        InheritedFds gap = SystemdFdStore.inherited(Map.of("LISTEN_PID", "42", "LISTEN_FDS", "2",
                "LISTEN_FDNAMES", "weft-tun-0:weft-tun-2"), 42);
        assertThat(gap.tunQueues()).isEmpty();
        assertThat(gap.unused()).containsExactlyInAnyOrder(3, 4);
    }

    @Test
    void theMessageHeaderCarriesTheTextAndOneDescriptorAsScmRights() {
        byte[] addr = new byte[110];
        byte[] msg = SystemdFdStore.utf8("FDSTORE=1\nFDNAME=weft-tun-0");
        Memory mem = new Memory(SystemdFdStore.msghdrSize(addr, msg));
        mem.clear();
        long base = SystemdFdStore.msghdr(mem, addr, 21, msg, 7);
        assertThat(mem.getInt(8)).as("msg_namelen").isEqualTo(21);
        long iov = mem.getLong(16);
        assertThat(mem.getLong(24)).as("msg_iovlen").isEqualTo(1);
        long data = new com.sun.jna.Pointer(iov).getLong(0);
        assertThat(new com.sun.jna.Pointer(iov).getLong(8)).isEqualTo(msg.length);
        assertThat(new String(new com.sun.jna.Pointer(data).getByteArray(0, msg.length))).isEqualTo("FDSTORE=1\nFDNAME=weft-tun-0");
        long control = mem.getLong(32);
        assertThat(control % 8).as("cmsghdr aligned").isZero();
        assertThat(mem.getLong(40)).as("msg_controllen = CMSG_SPACE(4)").isEqualTo(24);
        com.sun.jna.Pointer c = new com.sun.jna.Pointer(control);
        assertThat(c.getLong(0)).as("cmsg_len = CMSG_LEN(4)").isEqualTo(20);
        assertThat(List.of(c.getInt(8), c.getInt(12), c.getInt(16))).containsExactly(LibC.SOL_SOCKET, LibC.SCM_RIGHTS, 7);
        assertThat(control + 24).isLessThanOrEqualTo(base + SystemdFdStore.msghdrSize(addr, msg));
    }
}
