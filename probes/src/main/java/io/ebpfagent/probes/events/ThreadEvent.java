package io.ebpfagent.probes.events;

import io.ebpfagent.probes.layout.JvmLayouts;

/** EV_THREAD_START and EV_THREAD_STOP from HotSpot's thread__start/thread__stop probes. */
public final class ThreadEvent extends EventView {
    private static final int NAME_BYTES = 64;

    /** {@code Thread.threadId()}. */
    public long javaId() {
        return i64(JvmLayouts.ThreadEvent.JAVA_ID);
    }

    /** The kernel tid of the Java thread. */
    public long nativeTid() {
        return i64(JvmLayouts.ThreadEvent.NATIVE_ID);
    }

    public boolean daemon() {
        return u8(JvmLayouts.ThreadEvent.DAEMON) != 0;
    }

    /** Length of the name in HotSpot (may exceed the copied bytes). */
    public int nameLength() {
        return i32(JvmLayouts.ThreadEvent.NAME_LEN);
    }

    /** The thread name, cut to 63 bytes (allocates). */
    public String name() {
        return string(JvmLayouts.ThreadEvent.NAME, NAME_BYTES);
    }

    public int copyName(byte[] dst) {
        return copyString(JvmLayouts.ThreadEvent.NAME, NAME_BYTES, dst);
    }
}
