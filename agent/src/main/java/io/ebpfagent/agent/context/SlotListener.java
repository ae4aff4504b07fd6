package io.ebpfagent.agent.context;

/**
 * Told which span-context slot each OS thread uses, so the eBPF side's tid -> slot map can be
 * written once per thread. Called on the thread itself at its first publication (possibly while
 * a virtual thread mounts on it) and on the sweeper thread at release: must not block.
 */
public interface SlotListener {
    void onSlotAssigned(int tid, int slot);

    void onSlotReleased(int tid, int slot);

    SlotListener NONE = new SlotListener() {
        @Override
        public void onSlotAssigned(int tid, int slot) {
        }

        @Override
        public void onSlotReleased(int tid, int slot) {
        }
    };
}
