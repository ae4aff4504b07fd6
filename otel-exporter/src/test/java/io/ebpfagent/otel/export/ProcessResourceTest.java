package io.ebpfagent.otel.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.resources.Resource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessResourceTest {
    static final String ID = "3f4ad7b6cd1e0a5c6ee4fdb3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3";

    @Test
    void containerIdFromCgroupV1AndSystemdScopes() {
        assertThat(ProcessResource.containerIdFromCgroup(List.of(
                "12:pids:/docker/" + ID, "11:cpu,cpuacct:/docker/" + ID))).contains(ID);
        assertThat(ProcessResource.containerIdFromCgroup(List.of(
                "0::/system.slice/docker-" + ID + ".scope"))).contains(ID);
        assertThat(ProcessResource.containerIdFromCgroup(List.of(
                "0::/kubepods.slice/kubepods-burstable.slice/cri-containerd-" + ID + ".scope"))).contains(ID);
        assertThat(ProcessResource.containerIdFromCgroup(List.of("0::/"))).isEmpty();
        assertThat(ProcessResource.containerIdFromCgroup(List.of("0::/user.slice/user-1000.slice/session-2.scope"))).isEmpty();
    }

    @Test
    void containerIdFromMountinfoForCgroupV2Namespaces() {
        assertThat(ProcessResource.containerIdFromMountinfo(List.of(
                "1 0 0:1 / / rw - overlay overlay rw",
                "640 612 254:1 /var/lib/docker/containers/" + ID + "/hostname /etc/hostname rw - ext4 /dev/vda1 rw")))
                .contains(ID);
        assertThat(ProcessResource.containerIdFromMountinfo(List.of("1 0 0:1 / / rw - ext4 /dev/vda1 rw"))).isEmpty();
    }

    @Test
    void serviceNameFallsBackToMainClassOrJar() {
        assertThat(ProcessResource.serviceName("cfg", "env", "prop", "com.acme.Main")).isEqualTo("cfg");
        assertThat(ProcessResource.serviceName(null, "env", "prop", "com.acme.Main")).isEqualTo("env");
        assertThat(ProcessResource.serviceName(null, " ", "prop", "com.acme.Main")).isEqualTo("prop");
        assertThat(ProcessResource.serviceName(null, null, null, "com.acme.Main --port 8080")).isEqualTo("com.acme.Main");
        assertThat(ProcessResource.serviceName(null, null, null, "/opt/app/shop-1.2.jar --x")).isEqualTo("shop-1.2");
        assertThat(ProcessResource.serviceName(null, null, null, null)).isEqualTo("java");
    }

    @Test
    void resourceAttributesParseLikeTheEnvironmentVariable() {
        assertThat(ProcessResource.parseAttributes("a=1, b = x%20y ,bad,=z").asMap())
                .containsEntry(AttributeKey.stringKey("a"), "1").containsEntry(AttributeKey.stringKey("b"), "x y").hasSize(2);
    }

    @Test
    void detectedResourceDescribesThisJvm() {
        Resource r = ProcessResource.detect("svc", Map.of("team", "kernel"));
        assertThat(r.getAttribute(ProcessResource.SERVICE_NAME)).isEqualTo("svc");
        assertThat(r.getAttribute(ProcessResource.PROCESS_PID)).isEqualTo(ProcessHandle.current().pid());
        assertThat(r.getAttribute(ProcessResource.EXECUTABLE_PATH)).endsWith("/java");
        assertThat(r.getAttribute(ProcessResource.RUNTIME_VERSION)).startsWith(Integer.toString(Runtime.version().feature()));
        assertThat(r.getAttribute(ProcessResource.HOST_ARCH)).isEqualTo("amd64");
        assertThat(r.getAttribute(ProcessResource.OS_TYPE)).isEqualTo("linux");
        assertThat(r.getAttribute(ProcessResource.HOST_NAME)).isNotBlank();
        assertThat(r.getAttribute(AttributeKey.stringKey("team"))).isEqualTo("kernel");
        assertThat(r.getAttribute(AttributeKey.stringKey("telemetry.sdk.language"))).isEqualTo("java");
        assertThat(r.getAttribute(ProcessResource.CONTAINER_ID)).isEqualTo(ProcessResource.containerId().orElse(null));
    }
}
