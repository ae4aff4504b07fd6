package io.ebpfagent.demo;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Argument, property, query and mix parsing of both mains. */
class OptionsTest {

    @Test
    void serviceDefaultsPropertiesAndArguments() {
        ServiceOptions defaults = ServiceOptions.parse(new String[0], new Properties());
        assertThat(defaults.port()).isEqualTo(8080);
        assertThat(defaults.mode()).isEqualTo(ExecutorMode.PLATFORM);
        assertThat(defaults.virtualPort()).isEqualTo(8081);
        assertThat(defaults.downstream()).isEmpty();

        Properties props = new Properties();
        props.setProperty("demo.port", "9000");
        props.setProperty("demo.executor", "virtual");
        props.setProperty("demo.downstream", "10.0.0.1:7");
        ServiceOptions fromProps = ServiceOptions.parse(new String[0], props);
        assertThat(fromProps.port()).isEqualTo(9000);
        assertThat(fromProps.mode()).isEqualTo(ExecutorMode.VIRTUAL);
        assertThat(fromProps.downstream()).map(InetSocketAddress::getHostString).contains("10.0.0.1");
        assertThat(fromProps.downstream()).map(InetSocketAddress::getPort).contains(7);

        ServiceOptions args = ServiceOptions.parse(
                new String[]{"--port", "0", "--both", "--threads=4", "--file-dir=/var/tmp"}, props);
        assertThat(args.port()).isZero();
        assertThat(args.virtualPort()).isZero();
        assertThat(args.mode()).isEqualTo(ExecutorMode.BOTH);
        assertThat(args.platformThreads()).isEqualTo(4);
        assertThat(args.fileDirectory()).isEqualTo(Path.of("/var/tmp"));
        assertThat(ServiceOptions.parse(new String[]{"7000"}, new Properties()).port()).isEqualTo(7000);
        assertThat(ServiceOptions.parse(new String[]{"--executor=both", "--virtual-port=9"}, new Properties())
                .virtualPort()).isEqualTo(9);
    }

    @Test
    void serviceRejectsNonsense() {
        Properties none = new Properties();
        assertThatThrownBy(() -> ServiceOptions.parse(new String[]{"--port=70000"}, none)).hasMessageContaining("port");
        assertThatThrownBy(() -> ServiceOptions.parse(new String[]{"--executor=fibers"}, none)).hasMessageContaining("executor");
        assertThatThrownBy(() -> ServiceOptions.parse(new String[]{"--downstream=nohost"}, none)).hasMessageContaining("host:port");
        assertThatThrownBy(() -> ServiceOptions.parse(new String[]{"--frobnicate"}, none)).hasMessageContaining("unknown");
        assertThatThrownBy(() -> ServiceOptions.parse(new String[]{"--port"}, none)).hasMessageContaining("needs a value");
    }

    @Test
    void queryDecodesAndBounds() {
        Query q = Query.parse("ms=25&name=a%20b&flag&empty=");
        assertThat(q.longParam("ms", 1, 0, 100)).isEqualTo(25);
        assertThat(q.longParam("missing", 9, 0, 100)).isEqualTo(9);
        assertThat(q.longParam("empty", 3, 0, 100)).isEqualTo(3);
        assertThat(q.params()).containsEntry("name", "a b").containsEntry("flag", "");
        assertThatThrownBy(() -> q.longParam("ms", 1, 0, 10)).isInstanceOf(BadRequestException.class);
        assertThatThrownBy(() -> q.longParam("name", 1, 0, 10)).isInstanceOf(BadRequestException.class);
        assertThat(Query.parse(null).params()).isEmpty();
    }

    @Test
    void jsonEscapesAndNests() {
        String json = new Json().put("s", "a\"b\\c\n").put("n", 3).put("d", 1.5).put("b", true)
                .put("o", new Json().put("x", 1)).toString();
        assertThat(json).isEqualTo("{\"s\":\"a\\\"b\\\\c\\n\",\"n\":3,\"d\":1.500,\"b\":true,\"o\":{\"x\":1}}");
    }

    @Test
    void mixShortNamesPathsAndWeights() {
        TrafficMix mix = TrafficMix.parse("cpu:3, /sleep?ms=7:2, health, /cpu?ms=1");
        assertThat(mix.targets()).extracting(TrafficMix.Target::pathAndQuery)
                .containsExactly("/cpu?ms=5", "/sleep?ms=7", "/health", "/cpu?ms=1");
        assertThat(mix.targets()).extracting(TrafficMix.Target::weight).containsExactly(3, 2, 1, 1);
        assertThat(mix.endpoints()).containsExactly("/cpu", "/sleep", "/health");
        assertThat(mix.totalWeight()).isEqualTo(7);
        assertThat(TrafficMix.defaults().endpoints())
                .containsExactly("/cpu", "/sleep", "/lock", "/file", "/downstream", "/alloc", "/health");
        assertThatThrownBy(() -> TrafficMix.parse("gpu")).hasMessageContaining("unknown mix target");
        assertThatThrownBy(() -> TrafficMix.parse("cpu:0")).hasMessageContaining("weight");
        assertThatThrownBy(() -> TrafficMix.parse(" , ")).hasMessageContaining("no targets");
    }

    @Test
    void loadOptions() {
        LoadOptions o = LoadOptions.parse(new String[]{"--url=http://h:1/", "--concurrency", "3",
                "--duration=1.5s", "--warmup=250ms", "--mix=sleep", "--timeout=2m"});
        assertThat(o.baseUrl().toString()).isEqualTo("http://h:1");
        assertThat(o.concurrency()).isEqualTo(3);
        assertThat(o.duration()).isEqualTo(Duration.ofMillis(1500));
        assertThat(o.warmup()).isEqualTo(Duration.ofMillis(250));
        assertThat(o.timeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(o.byRequestCount()).isFalse();
        assertThat(LoadOptions.parse(new String[]{"--requests=10"}).byRequestCount()).isTrue();
        assertThat(LoadOptions.parse(new String[]{"--duration=20"}).duration()).isEqualTo(Duration.ofSeconds(20));
        assertThatThrownBy(() -> LoadOptions.parse(new String[]{"--concurrency=0"})).hasMessageContaining("concurrency");
        assertThatThrownBy(() -> LoadOptions.parse(new String[]{"--duration=soon"})).hasMessageContaining("duration");
        assertThatThrownBy(() -> LoadOptions.parse(new String[]{"--url=ftp://x"})).hasMessageContaining("url");
        assertThatThrownBy(() -> LoadOptions.parse(new String[]{"--bogus=1"})).hasMessageContaining("unknown");
    }
}
