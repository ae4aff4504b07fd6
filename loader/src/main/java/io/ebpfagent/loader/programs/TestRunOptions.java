package io.ebpfagent.loader.programs;

/**
 * Input of {@link Program#testRun(TestRunOptions)} ({@code BPF_PROG_TEST_RUN}).
 *
 * @param data        packet data ({@code data_in}); socket filters and XDP need at least an Ethernet header
 * @param dataOutSize room for the output packet ({@code data_out}); 0 for none
 * @param context     context in ({@code ctx_in}, e.g. a {@code struct __sk_buff}), or null
 * @param contextOutSize room for the output context; 0 for none
 * @param repeat      runs to average the duration over (0 and 1 both mean once)
 * @param flags       {@code BPF_F_TEST_*} flags
 * @param cpu         CPU to run on with {@code BPF_F_TEST_RUN_ON_CPU}
 */
public record TestRunOptions(byte[] data, int dataOutSize, byte[] context, int contextOutSize, int repeat, int flags,
                             int cpu) {
    /** Runs once on {@code data} with room for an output packet 256 bytes larger (XDP may grow it). */
    public static TestRunOptions of(byte[] data) {
        return new TestRunOptions(data, data.length + 256, null, 0, 1, 0, 0);
    }

    /** Runs once with only a context (tracing and syscall programs). */
    public static TestRunOptions ofContext(byte[] context) {
        return new TestRunOptions(null, 0, context, context.length, 1, 0, 0);
    }

    public TestRunOptions withRepeat(int value) {
        return new TestRunOptions(data, dataOutSize, context, contextOutSize, value, flags, cpu);
    }

    public TestRunOptions withContext(byte[] value, int outSize) {
        return new TestRunOptions(data, dataOutSize, value, outSize, repeat, flags, cpu);
    }
}
