package io.ebpfagent.otel.export;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.sdk.resources.Resource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OpenTelemetry resource of the monitored JVM: service, process, runtime, host, OS and
 * container attributes, read from the JVM and /proc without any network lookup.
 */
public final class ProcessResource {
    static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    static final AttributeKey<Long> PROCESS_PID = AttributeKey.longKey("process.pid");
    static final AttributeKey<String> EXECUTABLE_PATH = AttributeKey.stringKey("process.executable.path");
    static final AttributeKey<String> COMMAND = AttributeKey.stringKey("process.command");
    static final AttributeKey<String> RUNTIME_NAME = AttributeKey.stringKey("process.runtime.name");
    static final AttributeKey<String> RUNTIME_VERSION = AttributeKey.stringKey("process.runtime.version");
    static final AttributeKey<String> RUNTIME_DESCRIPTION = AttributeKey.stringKey("process.runtime.description");
    static final AttributeKey<String> HOST_NAME = AttributeKey.stringKey("host.name");
    static final AttributeKey<String> HOST_ARCH = AttributeKey.stringKey("host.arch");
    static final AttributeKey<String> OS_TYPE = AttributeKey.stringKey("os.type");
    static final AttributeKey<String> CONTAINER_ID = AttributeKey.stringKey("container.id");

    /** A 64-hex-digit id as the last path element or inside a scope name (docker-<id>.scope). */
    private static final Pattern CGROUP_ID = Pattern.compile("(?:^|[/-])([0-9a-f]{64})(?:\\.scope)?$");
    /** Container runtimes bind-mount files from {@code .../containers/<id>/...}. */
    private static final Pattern MOUNT_ID = Pattern.compile("/(?:docker/)?containers/([0-9a-f]{64})/");

    private ProcessResource() {}

    /**
     * Detects the resource: SDK defaults, then detected attributes, then
     * {@code OTEL_RESOURCE_ATTRIBUTES}, then {@code extra}; service.name from {@code serviceName}
     * or OTEL_SERVICE_NAME / otel.service.name, else the main class or jar.
     */
    public static Resource detect(String serviceName, Map<String, String> extra) {
        AttributesBuilder a = Attributes.builder();
        ProcessHandle self = ProcessHandle.current();
        a.put(PROCESS_PID, self.pid());
        self.info().command().ifPresentOrElse(c -> a.put(EXECUTABLE_PATH, c),
                () -> a.put(EXECUTABLE_PATH, Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        String command = System.getProperty("sun.java.command");
        if (command != null && !command.isBlank()) {
            a.put(COMMAND, command.split(" ", 2)[0]);
        }
        a.put(RUNTIME_NAME, System.getProperty("java.runtime.name", "Java"));
        a.put(RUNTIME_VERSION, System.getProperty("java.runtime.version", Runtime.version().toString()));
        a.put(RUNTIME_DESCRIPTION, System.getProperty("java.vm.vendor", "") + " "
                + System.getProperty("java.vm.name", "") + " " + System.getProperty("java.vm.version", ""));
        hostName().ifPresent(h -> a.put(HOST_NAME, h));
        a.put(HOST_ARCH, hostArch(System.getProperty("os.arch", "")));
        a.put(OS_TYPE, System.getProperty("os.name", "linux").toLowerCase(Locale.ROOT).replace(' ', '_'));
        containerId().ifPresent(id -> a.put(CONTAINER_ID, id));

        Resource detected = Resource.getDefault().merge(Resource.create(a.build()));
        Resource fromEnv = Resource.create(parseAttributes(System.getenv("OTEL_RESOURCE_ATTRIBUTES")));
        AttributesBuilder extras = Attributes.builder();
        extra.forEach(extras::put);
        String service = serviceName(serviceName, System.getenv("OTEL_SERVICE_NAME"),
                System.getProperty("otel.service.name"), command);
        return detected.merge(fromEnv).merge(Resource.create(extras.build()))
                .merge(Resource.create(Attributes.of(SERVICE_NAME, service)));
    }

    /** First non-blank of configured, env, property; else the main class / jar name; else {@code java}. */
    static String serviceName(String configured, String env, String property, String javaCommand) {
        for (String s : new String[] {configured, env, property}) {
            if (s != null && !s.isBlank()) {
                return s.trim();
            }
        }
        if (javaCommand != null && !javaCommand.isBlank()) {
            String main = javaCommand.trim().split("\\s+", 2)[0];
            if (main.endsWith(".jar")) {
                String file = Path.of(main).getFileName().toString();
                return file.substring(0, file.length() - 4);
            }
            return main;
        }
        return "java";
    }

    static String hostArch(String osArch) {
        return switch (osArch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i686" -> "x86";
            case "ppc64le", "ppc64" -> "ppc64";
            case "s390x" -> "s390x";
            default -> osArch;
        };
    }

    private static Optional<String> hostName() {
        for (String f : new String[] {"/proc/sys/kernel/hostname", "/etc/hostname"}) {
            try {
                String h = Files.readString(Path.of(f)).trim();
                if (!h.isEmpty()) {
                    return Optional.of(h);
                }
            } catch (IOException | RuntimeException e) {
                // try the next source
            }
        }
        return Optional.ofNullable(System.getenv("HOSTNAME")).filter(h -> !h.isBlank());
    }

    static Optional<String> containerId() {
        try {
            Optional<String> id = containerIdFromCgroup(Files.readAllLines(Path.of("/proc/self/cgroup")));
            if (id.isPresent()) {
                return id;
            }
            return containerIdFromMountinfo(Files.readAllLines(Path.of("/proc/self/mountinfo")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The container id in /proc/self/cgroup lines ({@code hierarchy:controllers:path}): a
     * 64-hex-digit last path element, bare or as {@code <runtime>-<id>.scope}. cgroup v2 inside a
     * private cgroup namespace shows {@code 0::/}: no id there.
     */
    static Optional<String> containerIdFromCgroup(List<String> lines) {
        for (String line : lines) {
            int colon = line.indexOf(':', line.indexOf(':') + 1);
            String path = colon < 0 ? line : line.substring(colon + 1);
            Matcher m = CGROUP_ID.matcher(path.trim());
            if (m.find()) {
                return Optional.of(m.group(1));
            }
        }
        return Optional.empty();
    }

    /** The container id in /proc/self/mountinfo (hostname/resolv.conf bind mounts), for cgroup v2. */
    static Optional<String> containerIdFromMountinfo(List<String> lines) {
        for (String line : lines) {
            Matcher m = MOUNT_ID.matcher(line);
            if (m.find()) {
                return Optional.of(m.group(1));
            }
        }
        return Optional.empty();
    }

    /** {@code k1=v1,k2=v2} as in OTEL_RESOURCE_ATTRIBUTES (values percent-decoded). */
    static Attributes parseAttributes(String s) {
        AttributesBuilder b = Attributes.builder();
        if (s == null || s.isBlank()) {
            return b.build();
        }
        for (String pair : s.split(",")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                String key = pair.substring(0, eq).trim();
                String value = java.net.URLDecoder.decode(pair.substring(eq + 1).trim(), java.nio.charset.StandardCharsets.UTF_8);
                if (!key.isEmpty()) {
                    b.put(key, value);
                }
            }
        }
        return b.build();
    }
}
