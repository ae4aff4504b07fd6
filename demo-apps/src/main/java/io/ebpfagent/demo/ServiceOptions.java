package io.ebpfagent.demo;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;

/**
 * How to run {@link DemoService}. Command-line arguments win over system properties, which win
 * over the defaults:
 * <pre>
 *   [PORT] | --port=N        demo.port          8080 (0 = ephemeral)
 *   --virtual | --both | --executor=platform|virtual|both
 *                            demo.executor      platform
 *   --virtual-port=N         demo.virtualPort   second port in BOTH mode: 0 if port is 0, else port+1
 *   --threads=N              demo.threads       32 platform workers
 *   --downstream=host:port   demo.downstream    an in-process {@link EchoServer}
 *   --file-dir=DIR           demo.fileDir       java.io.tmpdir
 * </pre>
 * Options also accept the two-word form {@code --port 8080}.
 */
public record ServiceOptions(
        int port,
        ExecutorMode mode,
        int virtualPort,
        int platformThreads,
        Optional<InetSocketAddress> downstream,
        Path fileDirectory) {

    public ServiceOptions {
        checkPort(port);
        checkPort(virtualPort);
        if (platformThreads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + platformThreads);
        }
    }

    /** Ephemeral port, given executor, in-process echo: what the tests use. */
    public static ServiceOptions ephemeral(ExecutorMode mode) {
        return new ServiceOptions(0, mode, 0, 32, Optional.empty(), defaultFileDirectory());
    }

    public ServiceOptions withDownstream(InetSocketAddress address) {
        return new ServiceOptions(port, mode, virtualPort, platformThreads, Optional.of(address), fileDirectory);
    }

    public static ServiceOptions parse(String[] args, Properties props) {
        String port = props.getProperty("demo.port", "8080");
        String mode = props.getProperty("demo.executor", "platform");
        String virtualPort = props.getProperty("demo.virtualPort");
        String threads = props.getProperty("demo.threads", "32");
        String downstream = props.getProperty("demo.downstream");
        String fileDir = props.getProperty("demo.fileDir");
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            switch (name) {
                case "--virtual" -> mode = "virtual";
                case "--platform" -> mode = "platform";
                case "--both" -> mode = "both";
                case "--port", "--executor", "--virtual-port", "--threads", "--downstream", "--file-dir" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException(name + " needs a value");
                        }
                        value = args[++i];
                    }
                    switch (name) {
                        case "--port" -> port = value;
                        case "--executor" -> mode = value;
                        case "--virtual-port" -> virtualPort = value;
                        case "--threads" -> threads = value;
                        case "--downstream" -> downstream = value;
                        default -> fileDir = value;
                    }
                }
                default -> {
                    if (!arg.startsWith("-") && arg.chars().allMatch(Character::isDigit)) {
                        port = arg;
                    } else {
                        throw new IllegalArgumentException("unknown argument: " + arg);
                    }
                }
            }
        }
        int mainPort = parseInt("port", port);
        int secondPort = virtualPort != null ? parseInt("virtual port", virtualPort) : mainPort == 0 ? 0 : mainPort + 1;
        return new ServiceOptions(
                mainPort,
                parseMode(mode),
                secondPort,
                parseInt("threads", threads),
                Optional.ofNullable(downstream).map(ServiceOptions::parseAddress),
                fileDir == null ? defaultFileDirectory() : Path.of(fileDir));
    }

    static InetSocketAddress parseAddress(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("downstream must be host:port, got '" + hostPort + "'");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(host, parseInt("downstream port", hostPort.substring(colon + 1)));
    }

    private static ExecutorMode parseMode(String mode) {
        try {
            return ExecutorMode.valueOf(mode.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("executor must be platform, virtual or both, got '" + mode + "'");
        }
    }

    private static int parseInt(String what, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be an integer, got '" + value + "'");
        }
    }

    private static void checkPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        }
    }

    private static Path defaultFileDirectory() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }
}
