package io.ebpfagent.loader.gen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/** Compiles generated sources as a build would, with every lint warning an error, and loads them. */
final class GeneratedSources {
    private GeneratedSources() {
    }

    /** Compiles {@code sources} (class name to source) into {@code dir} and returns a loader of the classes. */
    static ClassLoader compile(Path dir, Map<String, String> sources) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<Path> files = new ArrayList<>();
        for (var e : sources.entrySet()) {
            Path f = dir.resolve("src").resolve(e.getKey().replace('.', '/') + ".java");
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
            files.add(f);
        }
        Path classes = Files.createDirectories(dir.resolve("classes"));
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, null, null)) {
            List<String> options = List.of("-Xlint:all", "-Werror", "--release", "25",
                    "-classpath", System.getProperty("java.class.path"), "-d", classes.toString());
            boolean ok = javac.getTask(null, fm, diagnostics, options, null, fm.getJavaFileObjectsFromPaths(files)).call();
            assertThat(diagnostics.getDiagnostics()).as("javac diagnostics").isEmpty();
            assertThat(ok).isTrue();
        }
        return new URLClassLoader(new java.net.URL[] {classes.toUri().toURL()}, GeneratedSources.class.getClassLoader());
    }
}
