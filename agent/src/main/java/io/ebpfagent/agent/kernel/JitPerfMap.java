package io.ebpfagent.agent.kernel;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * This JVM's {@code /tmp/perf-<pid>.map}, written in-process by the {@code Compiler.perfmap}
 * diagnostic command: the names of JIT-compiled methods, the interpreter and stubs by address.
 */
final class JitPerfMap {
    private static final String DIAGNOSTIC_COMMAND = "com.sun.management:type=DiagnosticCommand";

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final ObjectName name;
    private final Path file = Path.of("/tmp/perf-" + ProcessHandle.current().pid() + ".map");

    JitPerfMap() throws Exception {
        this.name = new ObjectName(DIAGNOSTIC_COMMAND);
    }

    /**
     * Whether this JVM keeps frame pointers in compiled code; without them a stack walk stops at
     * the first JIT frame, so the perf map would only name leaf frames.
     */
    static boolean framePointersPreserved() {
        try {
            HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return hs != null && Boolean.parseBoolean(hs.getVMOption("PreserveFramePointer").getValue());
        } catch (RuntimeException notHotSpot) {
            return ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-XX:+PreserveFramePointer");
        }
    }

    /** Rewrites the file with the code cache as it is now; returns how long it took, in nanoseconds. */
    long write() throws Exception {
        long t0 = System.nanoTime();
        server.invoke(name, "compilerPerfmap", new Object[] {new String[0]}, new String[] {String[].class.getName()});
        return System.nanoTime() - t0;
    }

    Path file() {
        return file;
    }
}
