package io.ebpfagent.agent.kernel;

import io.ebpfagent.loader.link.Pinning;
import io.ebpfagent.loader.link.Tracefs;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Mounts tracefs and bpffs when they are missing and the process may mount (root). */
final class KernelFileSystems {
    private static final Logger LOG = LoggerFactory.getLogger(KernelFileSystems.class);

    private KernelFileSystems() {
    }

    static void mountIfNeeded() {
        try {
            Tracefs.root();
        } catch (RuntimeException e) {
            LOG.debug("tracefs unavailable: {}", e.getMessage());
        }
        try {
            Pinning.ensureBpffs(Path.of("/sys/fs/bpf"));
        } catch (RuntimeException e) {
            LOG.debug("bpffs unavailable: {}", e.getMessage());
        }
    }
}
