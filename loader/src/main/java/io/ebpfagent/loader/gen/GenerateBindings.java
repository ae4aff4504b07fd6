package io.ebpfagent.loader.gen;

import io.ebpfagent.loader.collection.CollectionSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The command line of the bindings generator, for a build step:
 *
 * <pre>
 * java -cp loader.jar io.ebpfagent.loader.gen.GenerateBindings --out DIR --package PKG \
 *      OBJECT.bpf.o [--class NAME] [--types a,b] [OBJECT.bpf.o [--class NAME] [--types ...]]...
 * </pre>
 *
 * <p>Writes {@code DIR/<package path>/NAME.java} per object ({@link BindingsGenerator}); the
 * class name defaults to {@link BindingsGenerator#defaultClassName}. {@code --class} and
 * {@code --types} apply to the object before them. A file whose content would not change is not
 * rewritten, so incremental builds see no change. Exits with status 1 and a message on error.
 */
public final class GenerateBindings {
    private GenerateBindings() {
    }

    /** One object to generate bindings for. */
    record Job(Path object, String className, List<String> types) {
        Job withClassName(String value) {
            return new Job(object, value, types);
        }

        Job withTypes(List<String> value) {
            return new Job(object, className, value);
        }
    }

    /** Runs the generator; see the class comment for the arguments. */
    public static void main(String[] args) {
        try {
            for (Path written : run(Arrays.asList(args))) {
                System.out.println("GenerateBindings: wrote " + written);
            }
        } catch (IllegalArgumentException | UncheckedIOException e) {
            System.err.println("GenerateBindings: " + e.getMessage());
            System.exit(1);
        }
    }

    /**
     * Generates the bindings the arguments ask for.
     *
     * @return the files written (unchanged files are left alone and not listed)
     */
    public static List<Path> run(List<String> args) {
        Path out = null;
        String pkg = null;
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--out" -> out = Path.of(value(args, ++i, a));
                case "--package" -> pkg = value(args, ++i, a);
                case "--class" -> jobs.add(last(jobs, a).withClassName(value(args, ++i, a)));
                case "--types" -> jobs.add(last(jobs, a).withTypes(List.of(value(args, ++i, a).split(","))));
                default -> {
                    if (a.startsWith("--")) {
                        throw new IllegalArgumentException("unknown option " + a);
                    }
                    Path object = Path.of(a);
                    jobs.add(new Job(object, BindingsGenerator.defaultClassName(object.getFileName().toString()), List.of()));
                }
            }
        }
        if (out == null || pkg == null || jobs.isEmpty()) {
            throw new IllegalArgumentException("usage: GenerateBindings --out DIR --package PKG OBJECT.bpf.o"
                    + " [--class NAME] [--types a,b] [OBJECT.bpf.o ...]");
        }
        Path dir = out.resolve(pkg.replace('.', '/'));
        List<Path> written = new ArrayList<>();
        for (Job job : jobs) {
            String name = job.object().getFileName().toString();
            String source;
            try {
                source = new BindingsGenerator(name, pkg, job.className(), job.types())
                        .generate(CollectionSpec.load(job.object()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(job.object() + ": " + e.getMessage(), e);
            }
            Path file = dir.resolve(job.className() + ".java");
            if (writeIfChanged(file, source)) {
                written.add(file);
            }
        }
        return written;
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args.get(i);
    }

    /** Removes and returns the last job, which an option after it changes. */
    private static Job last(List<Job> jobs, String option) {
        if (jobs.isEmpty()) {
            throw new IllegalArgumentException(option + " must follow the object it applies to");
        }
        return jobs.removeLast();
    }

    private static boolean writeIfChanged(Path file, String source) {
        try {
            byte[] bytes = source.getBytes(StandardCharsets.UTF_8);
            if (Files.exists(file) && Arrays.equals(Files.readAllBytes(file), bytes)) {
                return false;
            }
            Files.createDirectories(file.getParent());
            Files.write(file, bytes);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
