package io.ebpfagent.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ebpfagent.agent.config.AgentConfig;
import io.ebpfagent.agent.config.ConfigException;
import io.ebpfagent.agent.config.ConfigLoader;
import io.ebpfagent.probes.NetProbe;
import org.junit.jupiter.api.Test;

class ProbeConfigsTest {
    @Test
    void netMaxConnectionsReachesTheProbe() throws Exception {
        assertThat(ProbeConfigs.net(AgentConfig.defaults()).maxConnections())
                .isEqualTo(NetProbe.Config.DEFAULT_MAX_CONNECTIONS);
        AgentConfig config = ConfigLoader.fromYaml("""
                probes:
                  net:
                    max_connections: 100000
                """, "test");
        NetProbe.Config net = ProbeConfigs.net(config);
        assertThat(net.maxConnections()).isEqualTo(100_000);
        assertThat(net.acceptSyscalls()).as("no hook on every system call of the machine").isFalse();
        assertThat(net.connectionBytes()).as("no hook on every socket send and receive").isFalse();
        assertThat(net.connectionStats()).as("no per-connection table it never reads").isFalse();
    }

    @Test
    void theJvmProbeAttachesNoClassOrMemoryPoolProbes() throws Exception {
        var jvm = ProbeConfigs.jvm(AgentConfig.defaults());
        assertThat(jvm.classLoadEvents()).as("a uprobe trap at every class load, for nothing exported").isFalse();
        assertThat(jvm.memPoolEvents()).as("traps inside every GC pause, for nothing exported").isFalse();
        assertThat(jvm.compileThresholdNs()).as("no compilation records without standalone spans").isEqualTo(Long.MAX_VALUE);
        var standalone = ProbeConfigs.jvm(ConfigLoader.fromYaml("""
                spans:
                  standalone: true
                probes:
                  jvm:
                    compile_threshold: 5ms
                """, "test"));
        assertThat(standalone.compileThresholdNs()).isEqualTo(5_000_000L);
    }

    @Test
    void aTooSmallConnectionLimitIsRefusedByName() {
        assertThatThrownBy(() -> ConfigLoader.fromYaml("""
                probes:
                  net:
                    max_connections: 10
                """, "test")).isInstanceOf(ConfigException.class).hasMessageContaining("probes.net.max_connections");
    }
}
