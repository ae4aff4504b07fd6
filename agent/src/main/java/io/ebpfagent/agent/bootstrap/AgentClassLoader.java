package io.ebpfagent.agent.bootstrap;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Loads the agent implementation from the agent jar: classes from its {@link ClassPack}, resource
 * {@code x/y} from the entry {@code inst/x/y}. Neither is visible to the system class loader
 * (which also has the agent jar on its path). Child-first only in the sense that the parent is
 * the platform loader: JDK classes come from the JDK, everything else from this jar.
 */
final class AgentClassLoader extends ClassLoader {
    static final String DIRECTORY = "inst/";
    /** Resource URLs of the packed class files ({@link #findResource}). */
    private static final String CLASS_PROTOCOL = "ebpf-agent-class";

    static {
        registerAsParallelCapable();
    }

    private final JarFile jar;
    private final ClassPack classes;
    private final String jarUrl;
    private final ProtectionDomain domain;

    AgentClassLoader(File jarFile, JarFile opened, ClassLoader parent) throws IOException {
        super(parent);
        this.jar = opened;
        this.classes = ClassPack.open(opened);
        URL location = jarFile.toURI().toURL();
        this.jarUrl = "jar:" + location.toExternalForm() + "!/";
        this.domain = new ProtectionDomain(new CodeSource(location, (Certificate[]) null), null, this, null);
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        byte[] bytes;
        try {
            bytes = classes.classBytes(name);
        } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
        }
        if (bytes == null) {
            throw new ClassNotFoundException(name);
        }
        return defineClass(name, bytes, 0, bytes.length, domain);
    }

    @Override
    protected URL findResource(String name) {
        String path = stripSlash(name);
        if (path.endsWith(".class")) {
            // Byte Buddy reads class files as resources (advice templates)
            return classResource(path);
        }
        if (jar.getJarEntry(DIRECTORY + path) == null) {
            return null;
        }
        try {
            return new URL(jarUrl + DIRECTORY + path);
        } catch (MalformedURLException e) {
            return null;
        }
    }

    /** A URL that reads a packed class file (read once, here), or null if the pack has no such class. */
    private URL classResource(String path) {
        final byte[] bytes;
        try {
            bytes = classes.classBytes(className(path));
        } catch (IOException e) {
            return null;
        }
        if (bytes == null) {
            return null;
        }
        try {
            return new URL(CLASS_PROTOCOL, "", -1, "/" + path, new URLStreamHandler() {
                @Override
                protected URLConnection openConnection(URL url) {
                    return new URLConnection(url) {
                        @Override
                        public void connect() {
                            connected = true;
                        }

                        @Override
                        public InputStream getInputStream() {
                            return new ByteArrayInputStream(bytes);
                        }
                    };
                }
            });
        } catch (MalformedURLException e) {
            return null;
        }
    }

    @Override
    protected Enumeration<URL> findResources(String name) {
        URL url = findResource(name);
        return url == null ? Collections.<URL>emptyEnumeration() : Collections.enumeration(Collections.singletonList(url));
    }

    /** Straight from the jar: a jar: URL connection would open the jar a second time. */
    @Override
    public InputStream getResourceAsStream(String name) {
        if (name.startsWith("java/") || name.startsWith("javax/") || name.startsWith("jdk/") || name.startsWith("sun/")) {
            return super.getResourceAsStream(name);
        }
        String path = stripSlash(name);
        if (path.endsWith(".class")) {
            try {
                byte[] classFile = classes.classBytes(className(path));
                return classFile != null ? new ByteArrayInputStream(classFile) : super.getResourceAsStream(name);
            } catch (IOException e) {
                return null;
            }
        }
        JarEntry entry = jar.getJarEntry(DIRECTORY + path);
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

    private static String className(String classFilePath) {
        return classFilePath.substring(0, classFilePath.length() - ".class".length()).replace('/', '.');
    }
}
