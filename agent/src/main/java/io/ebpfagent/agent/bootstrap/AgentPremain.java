package io.ebpfagent.agent.bootstrap;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URI;
import java.util.jar.Attributes;
import java.util.jar.JarFile;

/**
 * The {@code -javaagent} entry point. Compiled for Java 8 and JDK-only, so that any JVM can load
 * it: a JVM that is too old gets one log line instead of an aborted launch (a premain that throws
 * ends the JVM with exit 134). Everything else lives in the same jar, the classes in its
 * {@link ClassPack} and the resources under {@code inst/}, and is loaded by an
 * {@link AgentClassLoader} whose parent is the platform class loader, so the application never
 * sees the agent's OpenTelemetry, Byte Buddy or SLF4J, and the agent never sees the
 * application's.
 */
public final class AgentPremain {
    static final String PREFIX = "[ebpf-agent] ";
    private static final String AGENT_CLASS = "io.ebpfagent.agent.Agent";
    private static final String MIN_JAVA_ATTRIBUTE = "Ebpf-Agent-Min-Java";
    private static final int DEFAULT_MIN_JAVA = 25;
    private static volatile boolean started;
    /** The agent's main class once loaded: a later agentmain hands it its settings. */
    private static volatile Class<?> agentClass;

    private AgentPremain() {
    }

    public static void premain(String args, Instrumentation inst) {
        boot(args, inst, false);
    }

    /**
     * Dynamic attach. Into a JVM where the agent already runs, the arguments are settings to
     * change while it runs (e.g. {@code spans.breakdown=false}); the agent logs the outcome.
     */
    public static void agentmain(String args, Instrumentation inst) {
        boot(args, inst, true);
    }

    private static void boot(String args, Instrumentation inst, boolean attached) {
        long startNanos = System.nanoTime();
        try {
            if (started) {
                Class<?> running = agentClass;
                if (attached && running != null) {
                    running.getMethod("update", String.class).invoke(null, args);
                } else if (attached) {
                    System.err.println(PREFIX + "WARN the agent did not start in this JVM, settings ignored: " + args);
                } else {
                    System.err.println(PREFIX + "WARN already started, ignoring a second -javaagent");
                }
                return;
            }
            started = true;
            File jar = agentJar();
            // One JarFile for the manifest and the class loader (it shares what the class path
            // read of the jar's central directory).
            JarFile jarFile = new JarFile(jar, false);
            int required = minimumJava(jarFile);
            int feature = javaFeatureVersion();
            if (feature < required) {
                System.err.println(PREFIX + "ERROR ebpf-agent requires Java " + required + "+, disabled"
                        + " (running on Java " + System.getProperty("java.specification.version") + ")");
                jarFile.close();
                return;
            }
            ClassLoader loader = new AgentClassLoader(jar, jarFile, platformClassLoader());
            Class<?> agent = Class.forName(AGENT_CLASS, true, loader);
            agentClass = agent;
            // a method handle invoked exactly, not Method.invoke: reflection builds a spreading
            // adapter for the call, about twenty classes a starting JVM spins (the handle, a few)
            MethodHandle start = MethodHandles.publicLookup().findStatic(agent, "start",
                    MethodType.methodType(void.class, String.class, Instrumentation.class, long.class));
            start.invokeExact(args, inst, startNanos);
        } catch (Throwable t) {
            // Never let the application's launch fail because of the agent.
            System.err.println(PREFIX + "ERROR agent disabled: " + describe(t));
        }
    }

    static int javaFeatureVersion() {
        String spec = System.getProperty("java.specification.version", "1.8");
        if (spec.startsWith("1.")) {
            spec = spec.substring(2);
        }
        int dot = spec.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? spec : spec.substring(0, dot));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The Java release the implementation classes were compiled for, from the jar manifest. */
    private static int minimumJava(JarFile file) {
        try {
            String value = file.getManifest() == null ? null
                    : file.getManifest().getMainAttributes().getValue(new Attributes.Name(MIN_JAVA_ATTRIBUTE));
            return value == null ? DEFAULT_MIN_JAVA : Integer.parseInt(value.trim());
        } catch (Exception e) {
            return DEFAULT_MIN_JAVA;
        }
    }

    private static File agentJar() throws Exception {
        URI uri = AgentPremain.class.getProtectionDomain().getCodeSource().getLocation().toURI();
        return new File(uri);
    }

    /**
     * The platform class loader: the last loader before the boot loader above the system one
     * (also when the application sets its own system class loader). Walked rather than asked for
     * with {@code getPlatformClassLoader}, a Java 9 method this Java 8 class could only call
     * through a method handle, whose first use spins classes on the application's main thread.
     */
    private static ClassLoader platformClassLoader() {
        ClassLoader loader = ClassLoader.getSystemClassLoader();
        while (loader.getParent() != null) {
            loader = loader.getParent();
        }
        return loader;
    }

    private static String describe(Throwable t) {
        Throwable cause = t;
        while (cause.getCause() != null && cause.getClass().getName().startsWith("java.lang.reflect.")) {
            cause = cause.getCause();
        }
        return cause.toString();
    }
}
