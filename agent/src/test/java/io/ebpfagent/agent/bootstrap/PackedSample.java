package io.ebpfagent.agent.bootstrap;

/** A class {@link ClassPackTest} packs and loads through the agent's class loader. */
public final class PackedSample {
    private PackedSample() {
    }

    public static String name() {
        return "packed";
    }
}
