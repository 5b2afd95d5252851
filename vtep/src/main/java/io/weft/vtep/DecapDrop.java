package io.weft.vtep;

import java.util.Locale;

/**
 * Why {@link VxlanDecap#check} did not hand back an inner IP packet. {@link VxlanDecap#check} returns
 * {@link #code()} (a negative int) so that the receive path never allocates; {@link #reason(int)} turns it back
 * into the constant, e.g. to index per-reason counters by {@link #ordinal()}.
 */
public enum DecapDrop {
    /** the UDP payload cannot hold VXLAN + Ethernet (+ the 28-byte ARP body, for ARP) */
    TOO_SHORT,
    /** the VXLAN flags byte is not exactly 0x08 (I missing, or G/other flags set) */
    BAD_FLAGS,
    /** a reserved VXLAN field is not zero (Linux drops these too) */
    RESERVED_BITS,
    /** the VNI is not ours */
    WRONG_VNI,
    /** the inner source MAC is our own VtepMAC: a frame of ours came back */
    LOOP,
    /** the inner destination MAC is not our VtepMAC (broadcast is accepted only for ARP) */
    NOT_OUR_MAC,
    /** the inner EtherType is not IPv4, IPv6 or ARP */
    BAD_ETHERTYPE,
    /** the inner IP version or lengths disagree with the EtherType or the frame */
    BAD_IP,
    /** not a drop: an ARP frame for us, which the caller may answer ({@link VxlanDecap#isArpRequestFor}) */
    ARP;

    private static final DecapDrop[] BY_INDEX = values();

    private final String metricName = name().toLowerCase(Locale.ROOT);

    /** The negative int {@link VxlanDecap#check} returns for this reason. */
    public int code() {
        return -(ordinal() + 1);
    }

    /** True for every reason but {@link #ARP}. */
    public boolean isDrop() {
        return this != ARP;
    }

    /** Lowercase name, e.g. {@code wrong_vni}, for counter labels. */
    public String metricName() {
        return metricName;
    }

    /**
     * The reason for a negative result of {@link VxlanDecap#check}.
     *
     * @throws IllegalArgumentException for a code that is not one (a non-negative result is an index)
     */
    public static DecapDrop reason(int code) {
        int i = -code - 1;
        if (i < 0 || i >= BY_INDEX.length) {
            throw new IllegalArgumentException("not a decap drop code: " + code);
        }
        return BY_INDEX[i];
    }
}
