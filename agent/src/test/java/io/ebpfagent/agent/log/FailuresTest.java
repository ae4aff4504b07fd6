package io.ebpfagent.agent.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FailuresTest {
    /** Its static initializer fails the way a denied native access fails the loader's. */
    static final class DeniedAtInit {
        static {
            if (Boolean.parseBoolean("true")) {
                throw new IllegalCallerException("Illegal native access from: unnamed module @1b2c3d4e");
            }
        }

        static void use() {
        }
    }

    @Test
    void aClassInitializerThatFailedOnAnotherThreadIsReportedWithTheOriginalReason() throws Exception {
        Throwable[] first = new Throwable[1];
        Thread other = new Thread(() -> {
            try {
                DeniedAtInit.use();
            } catch (Throwable t) {
                first[0] = t;
            }
        }, "preparation");
        other.start();
        other.join();
        assertThat(first[0]).isInstanceOf(ExceptionInInitializerError.class);
        assertThat(Failures.message(first[0])).isEqualTo("Illegal native access from: unnamed module @1b2c3d4e");
        assertThat(Failures.nativeAccessDenied(first[0])).isTrue();

        Throwable second = null;
        try {
            DeniedAtInit.use();
        } catch (Throwable t) {
            second = t;
        }
        assertThat(second).isInstanceOf(NoClassDefFoundError.class);
        assertThat(Failures.message(second)).isEqualTo("Illegal native access from: unnamed module @1b2c3d4e");
        assertThat(Failures.nativeAccessDenied(second)).isTrue();
    }

    @Test
    void wrappersWithoutAMessageOfTheirOwnAreLookedThrough() {
        Throwable t = new RuntimeException(new IllegalStateException("no BTF here"));
        assertThat(Failures.message(new RuntimeException((String) null, t))).isEqualTo(
                "java.lang.IllegalStateException: no BTF here");
        assertThat(Failures.message(new IllegalStateException("no BTF here"))).isEqualTo("no BTF here");
        assertThat(Failures.message(new NoClassDefFoundError("io/x/Missing"))).isEqualTo("io/x/Missing");
        assertThat(Failures.nativeAccessDenied(new IllegalStateException("no BTF here"))).isFalse();
    }

    @Test
    void aReasonIsOneLineWithTheFixWhereItIsKnown() {
        assertThat(Failures.reason(new IllegalStateException("verifier said no\n0: r1 = 0\n1: exit"))).isEqualTo(
                "verifier said no ...");
        assertThat(Failures.reason(new IllegalStateException((String) null, new IllegalCallerException(
                "Illegal native access from: unnamed module @1b2c3d4e")))).isEqualTo(
                "Illegal native access from: unnamed module @1b2c3d4e (native access is denied: run the JVM with "
                        + "--enable-native-access=ALL-UNNAMED)");
        // the loader's message names what is missing; it is given whole
        var denied = new io.ebpfagent.loader.sys.PermissionDeniedException("BPF_PROG_LOAD", 1,
                "BPF_PROG_LOAD: operation not permitted\nneeds CAP_BPF and CAP_PERFMON");
        assertThat(Failures.reason(denied)).isEqualTo(denied.getMessage()).contains("needs CAP_BPF");
    }
}
