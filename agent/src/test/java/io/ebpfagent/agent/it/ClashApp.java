package io.ebpfagent.agent.it;

import net.bytebuddy.ByteBuddy;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An application with its own (older) SLF4J and Byte Buddy, run under the agent by AgentJarIT; it
 * finishes when its stdin ends (the test closes it once the agent is ready).
 */
public final class ClashApp {
    private ClashApp() {
    }

    public static void main(String[] args) throws Exception {
        Logger log = LoggerFactory.getLogger(ClashApp.class);
        log.info("application logging through its own SLF4J binding");
        Class<?> generated = new ByteBuddy().subclass(Object.class).name("io.ebpfagent.agent.it.Generated").make()
                .load(ClashApp.class.getClassLoader(), ClassLoadingStrategy.Default.WRAPPER).getLoaded();
        System.out.println("APP slf4j=" + LoggerFactory.class.getProtectionDomain().getCodeSource().getLocation()
                .getPath().replaceAll(".*/", ""));
        System.out.println("APP bytebuddy=" + ByteBuddy.class.getProtectionDomain().getCodeSource().getLocation()
                .getPath().replaceAll(".*/", ""));
        System.out.println("APP generated=" + generated.getName());
        System.out.println("APP agent classes visible=" + visible("io.ebpfagent.agent.Agent")
                + "," + visible("io.ebpfagent.shaded.org.slf4j.LoggerFactory"));
        System.in.transferTo(java.io.OutputStream.nullOutputStream());
        System.out.println("APP OK");
    }

    private static boolean visible(String name) {
        try {
            Class.forName(name, false, ClashApp.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
