package io.ebpfagent.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.agent.threads.NativeThreadId;
import io.ebpfagent.agent.threads.ThreadGroups;
import io.ebpfagent.agent.threads.ThreadRegistry;
import io.ebpfagent.otel.ThreadKey;
import io.ebpfagent.probes.JvmProbe.JavaThreadName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The order in which a tid gets its name: the registry's Java thread, the kernel's thread__start
 * record, the live thread's comm, the comm the sched probe kept at exit; {@code unknown} only when
 * nobody knows the tid. Live tids are real threads of this JVM, exited ones are tids above pid_max.
 */
class RegistryThreadNamesTest {
    private static final int GONE_JAVA = 9_000_001;
    private static final int GONE_NATIVE = 9_000_002;
    private static final int GONE_UNNAMED = 9_000_003;

    private final ThreadRegistry registry = new ThreadRegistry(new ThreadGroups(List.of(), 100), () -> "");
    private final RegistryThreadNames names = new RegistryThreadNames(registry);

    RegistryThreadNamesTest() {
        Map<Integer, JavaThreadName> started = Map.of(GONE_JAVA, new JavaThreadName(77, "acc-churn-1234", false));
        Map<Integer, String> exited = Map.of(GONE_JAVA, "acc-churn-1234", GONE_NATIVE, "native-worker-3");
        names.useKernelNames(started::get, exited::get);
    }

    @Test
    void theRegistryNamesLiveJavaThreadsFirst() {
        registry.onThreadStart(GONE_JAVA, 5, "renamed-by-the-application-1", false);
        assertThat(names.resolve(GONE_JAVA))
                .isEqualTo(new ThreadKey(GONE_JAVA, "renamed-by-the-application-1", "renamed-by-the-application-*", 5));
    }

    @Test
    void anExitedJavaThreadKeepsTheNameAndIdItStartedWith() {
        // thread__stop was processed: the registry forgot it, the kernel still has its start
        assertThat(names.resolve(GONE_JAVA)).isEqualTo(new ThreadKey(GONE_JAVA, "acc-churn-1234", "acc-churn-*", 77));
    }

    @Test
    void anExitedNativeThreadIsNamedByItsCommGroupedLikeJavaNames() {
        assertThat(names.resolve(GONE_NATIVE)).isEqualTo(new ThreadKey(GONE_NATIVE, "native-worker-3", "native-worker-*", -1));
    }

    @Test
    void aLiveThreadTheJvmDoesNotListIsNamedByItsComm() throws Exception {
        Assumptions.assumeTrue(NativeThreadId.available(), "FFM native access unavailable");
        int tid = NativeThreadId.current();
        String comm = Files.readString(Path.of("/proc/self/task/" + tid + "/comm")).strip();
        ThreadKey key = names.resolve(tid);
        assertThat(key.name()).isEqualTo(comm);
        assertThat(key.javaId()).isEqualTo(-1);
    }

    @Test
    void onlyATidNobodyKnowsIsUnknown() {
        assertThat(names.resolve(GONE_UNNAMED)).isEqualTo(ThreadKey.unknown(GONE_UNNAMED));
    }

    @Test
    void aFailingKernelLookupFallsThroughToTheNextSource() {
        RegistryThreadNames failing = new RegistryThreadNames(registry);
        failing.useKernelNames(tid -> {
            throw new IllegalStateException("probe closed");
        }, tid -> "native-worker-3");
        assertThat(failing.resolve(GONE_NATIVE).group()).isEqualTo("native-worker-*");
    }
}
