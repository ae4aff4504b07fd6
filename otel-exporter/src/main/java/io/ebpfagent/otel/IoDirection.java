package io.ebpfagent.otel;

/** Direction of an I/O: read/receive or write/transmit. */
public enum IoDirection {
    READ("read", "receive"),
    WRITE("write", "transmit");

    private final String disk;
    private final String network;

    IoDirection(String disk, String network) {
        this.disk = disk;
        this.network = network;
    }

    /** Value of {@code disk.io.direction}. */
    public String diskValue() {
        return disk;
    }

    /** Value of {@code network.io.direction}. */
    public String networkValue() {
        return network;
    }
}
