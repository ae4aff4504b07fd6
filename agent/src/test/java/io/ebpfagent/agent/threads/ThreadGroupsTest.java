package io.ebpfagent.agent.threads;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.agent.config.ConfigType;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThreadGroupsTest {

    @Test
    void defaultRuleReplacesTrailingDigits() {
        ThreadGroups groups = new ThreadGroups(List.of(), 100);
        assertThat(groups.groupOf("pool-1-thread-7")).isEqualTo("pool-1-thread-*");
        assertThat(groups.groupOf("ForkJoinPool-1-worker-3")).isEqualTo("ForkJoinPool-1-worker-*");
        assertThat(groups.groupOf("C2 CompilerThread0")).isEqualTo("C2 CompilerThread*");
        assertThat(groups.groupOf("main")).isEqualTo("main");
        assertThat(groups.groupOf("42")).isEqualTo("42");
    }

    @Test
    void configuredPatternsComeFirstAndMayReferenceGroups() {
        var type = new ConfigType.GroupPatternType();
        ThreadGroups groups = new ThreadGroups(List.of(type.parse("http-nio-(\\d+)-exec-\\d+=http-$1"),
                type.parse("grpc-.*=grpc")), 100);
        assertThat(groups.groupOf("http-nio-8080-exec-12")).isEqualTo("http-8080");
        assertThat(groups.groupOf("grpc-default-executor-3")).isEqualTo("grpc");
        assertThat(groups.groupOf("pool-2-thread-1")).isEqualTo("pool-2-thread-*");
    }

    @Test
    void theRuntimesOwnThreadsFoldIntoFourGroups() {
        ThreadGroups groups = new ThreadGroups(List.of(new ConfigType.GroupPatternType().parse("G1 Conc#\\d+=marking")),
                100, true);
        assertThat(groups.groupOf("C2 CompilerThread0")).isEqualTo("JIT compiler threads");
        assertThat(groups.groupOf("C1 CompilerThread3")).isEqualTo("JIT compiler threads");
        assertThat(groups.groupOf("GC Thread#1")).isEqualTo("GC threads");
        assertThat(groups.groupOf("G1 Refine#0")).isEqualTo("GC threads");
        assertThat(groups.groupOf("G1 Conc#0")).as("a configured pattern wins").isEqualTo("marking");
        assertThat(groups.groupOf("VM Thread")).isEqualTo("JVM threads");
        assertThat(groups.groupOf("Reference Handler")).isEqualTo("JVM threads");
        assertThat(groups.groupOf("ebpf-agent-events")).isEqualTo("ebpf-agent-*");
        assertThat(groups.groupOf("main")).isEqualTo("main");
        assertThat(groups.groupOf("pool-1-thread-7")).isEqualTo("pool-1-thread-*");
        assertThat(groups.groupOf("Finalizer thread of mine")).isEqualTo("Finalizer thread of mine");
        assertThat(new ThreadGroups(List.of(), 100, false).groupOf("GC Thread#1")).isEqualTo("GC Thread#*");
    }

    @Test
    void cardinalityIsBounded() {
        ThreadGroups groups = new ThreadGroups(List.of(), 3);
        assertThat(groups.groupOf("a-1")).isEqualTo("a-*");
        assertThat(groups.groupOf("b-1")).isEqualTo("b-*");
        assertThat(groups.groupOf("c-1")).isEqualTo("c-*");
        assertThat(groups.groupOf("d-1")).isEqualTo(ThreadGroups.OTHER);
        assertThat(groups.groupOf("a-2")).isEqualTo("a-*");
        assertThat(groups.distinctGroups()).isEqualTo(3);
    }
}
