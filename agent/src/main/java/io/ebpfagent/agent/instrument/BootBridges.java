package io.ebpfagent.agent.instrument;

import java.lang.constant.ClassDesc;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandles;
import java.util.Map;
import java.util.Set;

/**
 * Defines a copy of an agent class into the boot loader's {@code java.lang} package, under a new
 * name: code inlined into JDK classes can only call boot classes, and the copy forwards to the
 * agent through static fields of JDK functional types. No boot class-path append (which would
 * disable CDS with a warning); a copy, once defined, stays for the JVM's life, so a second agent
 * instance reuses it.
 */
public final class BootBridges {
    private BootBridges() {
    }

    /**
     * The class {@code bootName} (in {@code java.lang}), defined from {@code template}'s class file
     * with every reference to the template redirected to it, or the one defined earlier.
     */
    public static Class<?> define(Instrumentation inst, Class<?> template, String bootName) throws Exception {
        try {
            return Class.forName(bootName, false, null);
        } catch (ClassNotFoundException absent) {
            Module self = BootBridges.class.getModule();
            inst.redefineModule(Object.class.getModule(), Set.of(), Map.of(), Map.of("java.lang", Set.of(self)),
                    Set.of(), Map.of());
            MethodHandles.Lookup javaLang = MethodHandles.privateLookupIn(Object.class, MethodHandles.lookup());
            return javaLang.defineClass(ClassRemapping.redirect(ClassRemapping.bytesOf(template),
                    ClassDesc.of(template.getName()), ClassDesc.of(bootName)));
        }
    }
}
