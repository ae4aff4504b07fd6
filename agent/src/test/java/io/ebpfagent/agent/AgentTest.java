package io.ebpfagent.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.agent.config.AgentConfig;
import io.ebpfagent.agent.config.ConfigLoader;
import io.ebpfagent.agent.log.AgentLog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AgentTest {
    private final List<String> events = new CopyOnWriteArrayList<>();

    private AgentComponent component(String name, int order, boolean fail, boolean enabled) {
        return new AgentComponent() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public int order() {
                return order;
            }

            @Override
            public boolean enabled(AgentConfig config) {
                return enabled;
            }

            @Override
            public void start(AgentContext context) {
                // components start before the first thread scan (the probes first)
                assertThat(context.threads().scans()).isZero();
                assertThat(Thread.currentThread().getName()).isEqualTo("ebpf-agent-init");
                if (fail) {
                    events.add("fail " + name);
                    throw new IllegalStateException("no BTF here");
                }
                events.add("start " + name);
            }

            @Override
            public void close() {
                events.add("close " + name);
            }
        };
    }

    @Test
    void componentsStartInOrderFailuresAreIsolatedAndCloseInReverse() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        AgentLog.setOutput(new PrintStream(log, true, StandardCharsets.UTF_8));
        // every probe off: the kernel component found by ServiceLoader stays out of this test
        AgentConfig noProbes = ConfigLoader.fromYaml("""
                probes:
                  sched:
                    enabled: false
                  jvm:
                    enabled: false
                  io:
                    enabled: false
                  net:
                    enabled: false
                  faults:
                    enabled: false
                """, "test");
        Agent agent = Agent.launch(noProbes, null, List.of(
                component("exporter", 10, false, true),
                component("probe sched", 0, false, true),
                component("probe io", 1, true, true),
                component("probe profile", 2, false, false)));
        assertThat(agent.awaitInitialized(60, TimeUnit.SECONDS)).isTrue();
        assertThat(Agent.current()).isSameAs(agent);
        // no component scanned the threads: the agent did, once they had started
        assertThat(agent.context().threads().scans()).isEqualTo(1);
        assertThat(agent.context().threads().size()).isPositive();
        assertThat(events).containsExactly("start probe sched", "fail probe io", "close probe io", "start exporter");
        String output = log.toString(StandardCharsets.UTF_8);
        assertThat(output).contains("[ebpf-agent] WARN probe io disabled: no BTF here")
                .contains("[ebpf-agent] INFO initialized in").contains("2 components running");
        events.clear();
        agent.close();
        agent.close();
        assertThat(events).containsExactly("close exporter", "close probe sched");
        assertThat(agent.context().scheduler().isShutdown()).isTrue();
        assertThat(Agent.current()).isNull();
    }
}
