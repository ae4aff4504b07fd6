package io.ebpfagent.agent.threads;

import java.lang.instrument.Instrumentation;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import javax.management.DynamicMBean;
import javax.management.ObjectName;

/**
 * Runs the in-process {@code Thread.print} diagnostic command (one safepoint, ~100 ms).
 *
 * <p>With an {@link Instrumentation} the command's MBean is taken straight from the JDK
 * ({@code com.sun.management.internal.DiagnosticCommandImpl}, its package opened to the agent):
 * the platform MBean server would register every platform MXBean, the Flight Recorder's
 * included, and load a few hundred JMX and JFR classes into the application for one call.
 */
public final class ThreadDumps {
    private static final String[] NO_ARGS = new String[0];
    private static final String[] SIGNATURE = {String[].class.getName()};

    private ThreadDumps() {
    }

    /** Through the platform MBean server. */
    public static String threadPrint() {
        try {
            Object result = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "threadPrint",
                    new Object[] {NO_ARGS}, SIGNATURE);
            return (String) result;
        } catch (Exception e) {
            throw new IllegalStateException("Thread.print diagnostic command failed: " + e, e);
        }
    }

    /**
     * A thread-dump source that calls the diagnostic-command MBean directly when {@code inst}
     * can open its package to the agent, and {@link #threadPrint()} otherwise. Decided at the
     * first dump, not here: the registry is created in {@code premain}, on the application's
     * main thread, and the first dump comes after the probes are attached, on the agent's own.
     */
    public static Supplier<String> source(Instrumentation inst) {
        return new Deferred(inst);
    }

    /** What {@link #source} decides at its first dump. */
    static Supplier<String> resolve(Instrumentation inst) {
        DynamicMBean direct = inst == null ? null : directBean(inst);
        if (direct == null) {
            return ThreadDumps::threadPrint;
        }
        return new Direct(direct, executeMethod(direct));
    }

    /**
     * The bean's private {@code executeDiagnosticCommand(String)}, or null. Its public
     * {@code invoke} first builds the bean's {@code MBeanInfo}: a description of every diagnostic
     * command, and the Flight Recorder's commands describe themselves by parsing the JDK's
     * {@code .jfc} files (an XML parser, ~100 classes and ~70 ms at the agent's start, in a JVM
     * that never uses JFR).
     */
    static Method executeMethod(DynamicMBean bean) {
        try {
            Method execute = bean.getClass().getDeclaredMethod("executeDiagnosticCommand", String.class);
            execute.setAccessible(true);
            return execute.getReturnType() == String.class ? execute : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // a JDK that differs inside: the bean's invoke
        }
    }

    /** {@link #resolve} at the first {@link #get()}. */
    static final class Deferred implements Supplier<String> {
        private final Instrumentation inst;
        private volatile Supplier<String> resolved;

        Deferred(Instrumentation inst) {
            this.inst = inst;
        }

        @Override
        public String get() {
            return resolved().get();
        }

        Supplier<String> resolved() {
            Supplier<String> s = resolved;
            if (s == null) {
                synchronized (this) {
                    s = resolved;
                    if (s == null) {
                        resolved = s = resolve(inst);
                    }
                }
            }
            return s;
        }
    }

    /**
     * The command's MBean called directly (its native command entry when there is one, else its
     * {@code invoke}); the public path once that failed.
     */
    static final class Direct implements Supplier<String> {
        private final DynamicMBean bean;
        private final Method execute;
        private volatile boolean broken;

        Direct(DynamicMBean bean, Method execute) {
            this.bean = bean;
            this.execute = execute;
        }

        @Override
        public String get() {
            if (!broken) {
                try {
                    if (execute != null) {
                        return (String) execute.invoke(bean, "Thread.print");
                    }
                    return (String) bean.invoke("threadPrint", new Object[] {NO_ARGS}, SIGNATURE);
                } catch (Exception | LinkageError e) {
                    broken = true; // a JDK that differs inside: the public path from now on
                }
            }
            return threadPrint();
        }

        boolean commandEntry() {
            return execute != null;
        }

        boolean broken() {
            return broken;
        }
    }

    static DynamicMBean directBean(Instrumentation inst) {
        try {
            Module management = ModuleLayer.boot().findModule("jdk.management").orElse(null);
            if (management == null) {
                return null; // a runtime image without it: the MBean server path
            }
            Module self = ThreadDumps.class.getModule();
            String pkg = "com.sun.management.internal";
            if (!management.isOpen(pkg, self)) {
                inst.redefineModule(management, Set.of(), Map.of(), Map.of(pkg, Set.of(self)), Set.of(), Map.of());
            }
            Class<?> impl = Class.forName(management, pkg + ".DiagnosticCommandImpl");
            if (impl == null) {
                return null;
            }
            // its natives are in libmanagement_ext, which the module's MBean provider loads when
            // it is initialised
            Class.forName(pkg + ".PlatformMBeanProviderImpl", true, impl.getClassLoader());
            Method factory = impl.getDeclaredMethod("getDiagnosticCommandMBean");
            factory.setAccessible(true);
            return factory.invoke(null) instanceof DynamicMBean d ? d : null;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null; // the MBean server path still works
        }
    }
}
