package io.ebpfagent.agent.threads;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.instrument.Instrumentation;
import java.util.List;
import net.bytebuddy.agent.ByteBuddyAgent;
import org.junit.jupiter.api.Test;

class ThreadDumpsTest {

    @Test
    void theDirectSourceDumpsTheThreadsLikeTheMBeanServerWithoutOpeningIt() {
        Instrumentation inst = ByteBuddyAgent.install();
        var deferred = ThreadDumps.source(inst);
        String direct = deferred.get();
        // decided at the first dump (premain only creates the source)
        var source = ((ThreadDumps.Deferred) deferred).resolved();
        assertThat(source).isInstanceOf(ThreadDumps.Direct.class);
        assertThat(((ThreadDumps.Direct) source).broken()).as("direct call failed").isFalse();
        // the command entry itself, not the bean's invoke (which describes every command first)
        assertThat(((ThreadDumps.Direct) source).commandEntry()).isTrue();
        Thread me = Thread.currentThread();
        List<ThreadDumpParser.Entry> entries = ThreadDumpParser.parse(direct);
        assertThat(entries).anyMatch(e -> e.javaId() == me.threadId() && e.name().equals(me.getName()));
        // the command's MBean itself, not the platform MBean server (which would register every
        // platform MXBean); the package is opened to the agent's module only
        assertThat(ThreadDumps.directBean(inst)).isNotNull();
        Module jdkManagement = ModuleLayer.boot().findModule("jdk.management").orElseThrow();
        assertThat(jdkManagement.isOpen("com.sun.management.internal")).isFalse();
        // without an Instrumentation: the MBean server, same dump
        assertThat(ThreadDumps.source(null).get()).contains("\"" + me.getName() + "\"");
    }
}
