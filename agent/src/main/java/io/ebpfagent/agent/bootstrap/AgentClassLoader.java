package io.ebpfagent.agent.bootstrap;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Loads the agent implementation from the {@code inst/} directory of the agent jar: class
 * {@code a.b.C} is the entry {@code inst/a/b/C.classdata}, resource {@code x/y} is
 * {@code inst/x/y}. The suffix keeps the system class loader (which also has the agent jar on
 * its path) from ever finding these classes. Child-first only in the sense that the parent is
 * the platform loader: JDK classes come from the JDK, everything else from this jar.
 */
final class AgentClassLoader extends ClassLoader {
    static final String DIRECTORY = "inst/";
    static final String CLASS_SUFFIX = ".classdata";

    static {
        registerAsParallelCapable();
    }

    private final JarFile jar;
    private final String jarUrl;
    private final ProtectionDomain domain;

    AgentClassLoader(File jarFile, JarFile opened, ClassLoader parent) throws IOException {
        super(parent);
        this.jar = opened;
        URL location = jarFile.toURI().toURL();
        this.jarUrl = "jar:" + location.toExternalForm() + "!/";
        this.domain = new ProtectionDomain(new CodeSource(location, (Certificate[]) null), null, this, null);
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        JarEntry entry = jar.getJarEntry(DIRECTORY + name.replace('.', '/') + CLASS_SUFFIX);
        if (entry == null) {
            throw new ClassNotFoundException(name);
        }
        byte[] bytes;
        try {
            bytes = read(entry);
        } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
        }
        return defineClass(name, bytes, 0, bytes.length, domain);
    }

    @Override
    protected URL findResource(String name) {
        String path = DIRECTORY + stripSlash(name);
        if (path.endsWith(".class")) {
            // Byte Buddy reads class files as resources (advice templates).
            path = path.substring(0, path.length() - ".class".length()) + CLASS_SUFFIX;
        }
        if (jar.getJarEntry(path) == null) {
            return null;
        }
        try {
            return new URL(jarUrl + path);
        } catch (MalformedURLException e) {
            return null;
        }
    }

    @Override
    protected Enumeration<URL> findResources(String name) {
        URL url = findResource(name);
        return url == null ? Collections.<URL>emptyEnumeration() : Collections.enumeration(Collections.singletonList(url));
    }

    /** Straight from the jar: a jar: URL connection would open the (large) jar a second time. */
    @Override
    public InputStream getResourceAsStream(String name) {
        if (name.startsWith("java/") || name.startsWith("javax/") || name.startsWith("jdk/") || name.startsWith("sun/")) {
            return super.getResourceAsStream(name);
        }
        String path = DIRECTORY + stripSlash(name);
        if (path.endsWith(".class")) {
            path = path.substring(0, path.length() - ".class".length()) + CLASS_SUFFIX;
        }
        JarEntry entry = jar.getJarEntry(path);
        if (entry == null) {
            return super.getResourceAsStream(name);
        }
        try {
            return jar.getInputStream(entry);
        } catch (IOException e) {
            return null;
        }
    }

    private static String stripSlash(String name) {
        return name.startsWith("/") ? name.substring(1) : name;
    }

    /**
     * The entry's bytes, read straight into an array of their size when the jar says it: the
     * agent defines a few thousand classes while the application starts, and every copy is
     * garbage that hastens a young collection of the application's heap.
     */
    private byte[] read(JarEntry entry) throws IOException {
        InputStream in = jar.getInputStream(entry);
        try {
            long size = entry.getSize();
            // Java 8 API only: this class loads on any JVM (it runs before the version check)
            byte[] bytes = new byte[size >= 0 && size < Integer.MAX_VALUE - 8 ? (int) size : 8192];
            int n = 0;
            while (true) {
                if (n == bytes.length) {
                    if (size >= 0) {
                        if (in.read() < 0) {
                            return bytes; // the usual case: exactly the declared size
                        }
                        throw new IOException(entry.getName() + ": more bytes than the " + size + " the jar declares");
                    }
                    byte[] grown = new byte[bytes.length * 2];
                    System.arraycopy(bytes, 0, grown, 0, n);
                    bytes = grown;
                }
                int r = in.read(bytes, n, bytes.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
            if (size >= 0 && n != size) {
                throw new IOException(entry.getName() + ": " + n + " bytes where the jar declares " + size);
            }
            byte[] exact = new byte[n];
            System.arraycopy(bytes, 0, exact, 0, n);
            return exact;
        } finally {
            in.close();
        }
    }
}
