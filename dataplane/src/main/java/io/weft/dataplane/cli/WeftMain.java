package io.weft.dataplane.cli;

/** Entry point of {@code weft.jar}. */
public final class WeftMain {
    private WeftMain() {
    }

    public static void main(String[] args) {
        System.out.println("weft: a user-space VXLAN data plane compatible with flannel's vxlan backend");
        System.out.println("usage: java -jar weft.jar <command> [options]");
    }
}
