package io.ebpfagent.agent.threads;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The kernel thread id ({@code gettid(2)}) of the calling OS thread, through FFM. For a virtual
 * thread this is the tid of its current carrier. The first call per thread costs ~165 ns, so
 * callers cache it per platform thread.
 */
public final class NativeThreadId {
    private static final MethodHandle GETTID = lookup();

    private NativeThreadId() {
    }

    private static MethodHandle lookup() {
        try {
            Linker linker = Linker.nativeLinker();
            var gettid = linker.defaultLookup().find("gettid");
            if (gettid.isPresent()) {
                return linker.downcallHandle(gettid.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT));
            }
            // glibc before 2.30 has no wrapper: syscall(SYS_gettid); 186 on x86_64, 178 on aarch64.
            long number = System.getProperty("os.arch").equals("aarch64") ? 178 : 186;
            MethodHandle syscall = linker.downcallHandle(linker.defaultLookup().find("syscall").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
            return java.lang.invoke.MethodHandles.insertArguments(syscall, 0, number)
                    .asType(java.lang.invoke.MethodType.methodType(long.class));
        } catch (Throwable t) {
            // Native access denied (--illegal-native-access=deny) or no libc: callers see available() == false.
            return null;
        }
    }

    public static boolean available() {
        return GETTID != null;
    }

    /** The calling OS thread's tid; -1 when native access is unavailable. */
    public static int current() {
        if (GETTID == null) {
            return -1;
        }
        try {
            return GETTID.type().returnType() == int.class ? (int) GETTID.invokeExact() : (int) (long) GETTID.invoke();
        } catch (Throwable t) {
            return -1;
        }
    }
}
