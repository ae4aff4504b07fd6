package io.ebpfagent.e2e.bench;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The FFM linker's start in a fresh JVM, and nothing else: binds libc's {@code syscall} with the
 * shape and options the loader's {@code Native} uses (variadic after the number, errno captured),
 * makes one call ({@code getpid}), says "ready" and sleeps (argument: milliseconds). What a JVM
 * pays for this is the floor of any agent that reaches the kernel through FFM
 * ({@code StartupBenchmark --floor}).
 */
public final class FirstDowncallMain {
    private static final long GETPID = 39; // x86-64

    private FirstDowncallMain() {
    }

    public static void main(String[] args) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MemorySegment syscall = linker.defaultLookup().find("syscall").orElseThrow();
        MethodHandle handle = linker.downcallHandle(syscall, FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG,
                JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1),
                Linker.Option.captureCallState("errno"));
        MemorySegment state = Arena.global().allocate(Linker.Option.captureStateLayout());
        long pid = (long) handle.invokeExact(state, GETPID, 0L, 0L, 0L, 0L, 0L, 0L);
        if (pid != ProcessHandle.current().pid()) {
            throw new IllegalStateException("getpid through the linker returned " + pid);
        }
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(Long.parseLong(args[0]));
    }
}
