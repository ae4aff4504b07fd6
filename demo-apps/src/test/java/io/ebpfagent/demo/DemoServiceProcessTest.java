package io.ebpfagent.demo;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The mains as separate JVMs: the listening line, SIGTERM handling and exit codes. */
class DemoServiceProcessTest {
    private static final Pattern LISTENING = Pattern.compile("demo-service listening on port (\\d+) \\((\\w+) threads\\)");

    private static ProcessBuilder java(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true);
    }

    @Test
    void printsListeningServesAndStopsGracefullyOnSigterm() throws Exception {
        Process p = java("io.ebpfagent.demo.DemoService", "--both", "--port=0", "--virtual-port=0").start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            List<Integer> ports = new ArrayList<>();
            List<String> kinds = new ArrayList<>();
            String line;
            while (ports.size() < 2 && (line = out.readLine()) != null) {
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    ports.add(Integer.parseInt(m.group(1)));
                    kinds.add(m.group(2));
                }
            }
            assertThat(kinds).containsExactly("platform", "virtual");
            assertThat(Http.get(ports.get(0), "/sleep?ms=1").string("thread")).startsWith("http-worker-");
            assertThat(Http.get(ports.get(1), "/sleep?ms=1").string("thread")).startsWith("http-vthread-");

            // SIGTERM through the handle: Process.destroy() would also close our end of the pipe.
            assertThat(p.toHandle().destroy()).isTrue();
            // Read to EOF before waiting: the output pipe must be drained while the JVM exits.
            String rest = String.join("\n", out.readAllLines());
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(rest).contains("demo-service stopped").contains("/sleep=2");
            assertThat(p.exitValue()).isEqualTo(143);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void badArgumentsExitWithUsage() throws Exception {
        Process service = java("io.ebpfagent.demo.DemoService", "--executor=nope").start();
        String out = new String(service.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(service.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(service.exitValue()).isEqualTo(2);
        assertThat(out).contains("usage:");

        Process load = java("io.ebpfagent.demo.LoadGenerator", "--concurrency=-1").start();
        out = new String(load.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(load.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(load.exitValue()).isEqualTo(2);
        assertThat(out).contains("usage:");
    }

    @Test
    void loadGeneratorExitsNonZeroWhenRequestsFail() throws Exception {
        try (DemoService service = DemoService.start(ServiceOptions.ephemeral(ExecutorMode.PLATFORM))) {
            String url = "--url=http://127.0.0.1:" + service.port();
            Process ok = java("io.ebpfagent.demo.LoadGenerator", url, "--requests=20", "--concurrency=2", "--mix=health").start();
            String okOut = new String(ok.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(ok.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(ok.exitValue()).as(okOut).isZero();
            assertThat(okOut).contains("RESULT endpoint=/health count=20 errors=0");

            Process bad = java("io.ebpfagent.demo.LoadGenerator", url, "--requests=20", "--mix=/missing").start();
            String badOut = new String(bad.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(bad.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(bad.exitValue()).as(badOut).isEqualTo(1);
            assertThat(badOut).contains("RESULT endpoint=ALL count=20 errors=20");
        }
    }
}
