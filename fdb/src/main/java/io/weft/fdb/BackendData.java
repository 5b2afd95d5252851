package io.weft.fdb;

import io.weft.vtep.MacAddress;

/**
 * A lease's {@code BackendData} (or {@code BackendV6Data}) for the vxlan backend: {@code {"VNI":1,"VtepMAC":"…"}}.
 *
 * @param vni the VNI the peer published, or {@link #NO_VNI} for leases written by flannel before v0.13.1, which
 *            carried only {@code VtepMAC}. Like Linux flannel, weft uses its own configured VNI, not the peer's.
 */
public record BackendData(int vni, MacAddress vtepMac) {
    public static final int NO_VNI = -1;

    public BackendData {
        if (vtepMac == null) {
            throw new IllegalArgumentException("VtepMAC is required");
        }
    }
}
