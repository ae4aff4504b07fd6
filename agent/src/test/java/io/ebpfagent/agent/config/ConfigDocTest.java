package io.ebpfagent.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/CONFIG.md is generated from the schema; this fails when the committed file is stale. */
class ConfigDocTest {

    @Test
    void committedConfigReferenceIsCurrent() throws Exception {
        Path doc = Path.of(System.getProperty("ebpf.agent.test.basedir", ".")).resolve("../docs/CONFIG.md");
        String expected = ConfigDocGenerator.render();
        if (Boolean.getBoolean("ebpfagent.regenerateDocs")) {
            Files.writeString(doc, expected);
        }
        assertThat(doc).as("docs/CONFIG.md; regenerate: java -cp agent/target/classes "
                + "io.ebpfagent.agent.config.ConfigDocGenerator docs/CONFIG.md").exists();
        assertThat(Files.readString(doc))
                .as("docs/CONFIG.md is stale; regenerate: java -cp agent/target/classes "
                        + "io.ebpfagent.agent.config.ConfigDocGenerator docs/CONFIG.md")
                .isEqualTo(expected);
    }

    @Test
    void everyKeyIsDocumentedAndTheExampleParses() throws Exception {
        String doc = ConfigDocGenerator.render();
        for (ConfigKey<?> key : ConfigSchema.keys()) {
            assertThat(doc).contains("`" + key.path() + "`").contains(key.envName());
        }
        AgentConfig example = ConfigLoader.fromYaml(ConfigDocGenerator.EXAMPLE, "example");
        assertThat(example.exporters()).containsExactly("otlp", "prometheus");
    }
}
