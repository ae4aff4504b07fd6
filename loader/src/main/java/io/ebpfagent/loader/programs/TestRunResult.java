package io.ebpfagent.loader.programs;

/**
 * Output of {@link Program#testRun(TestRunOptions)}.
 *
 * @param returnValue the program's return value ({@code retval})
 * @param durationNs  mean run time in nanoseconds over the repeats
 * @param data        the output packet, as long as the kernel reported (empty if no room was asked)
 * @param context     the output context (empty if no room was asked)
 */
public record TestRunResult(int returnValue, int durationNs, byte[] data, byte[] context) {
}
