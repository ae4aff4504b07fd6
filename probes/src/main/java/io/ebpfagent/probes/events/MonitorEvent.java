package io.ebpfagent.probes.events;

import io.ebpfagent.probes.layout.JvmLayouts;

/** EV_MONITOR_CONTENDED: a contended monitor enter (needs -XX:+DTraceMonitorProbes). */
public final class MonitorEvent extends EventView {
    public long javaThreadId() {
        return i64(JvmLayouts.MonitorEvent.JAVA_THREAD_ID);
    }

    /** Address of the ObjectMonitor. */
    public long monitorId() {
        return i64(JvmLayouts.MonitorEvent.MONITOR_ID);
    }

    /** Class of the locked object (allocates). */
    public String className() {
        return string(JvmLayouts.MonitorEvent.CLASS_NAME, 128);
    }

    public int copyClassName(byte[] dst) {
        return copyString(JvmLayouts.MonitorEvent.CLASS_NAME, 128, dst);
    }
}
