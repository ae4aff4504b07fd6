package io.ebpfagent.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class YamlParserTest {

    @Test
    void parsesNestedMapsListsScalarsAndComments() throws Exception {
        YamlNode.Mapping root = YamlParser.parse("""
                # leading comment
                agent:
                  enabled: true   # trailing comment
                  name: "quoted # not a comment"
                list:
                  - a
                  - 'it''s'
                same_indent_list:
                - x
                - y
                flow: [otlp, "prometheus", logging]
                empty_flow: []
                maps:
                  - pattern: "p-\\\\d+"
                    group: pool
                  - pattern: q
                    group: other
                url: http://localhost:4317
                nothing:
                """);
        YamlNode.Mapping agent = (YamlNode.Mapping) root.entries().get("agent").value();
        assertThat(((YamlNode.Scalar) agent.entries().get("enabled").value()).value()).isEqualTo("true");
        assertThat(agent.entries().get("enabled").line()).isEqualTo(3);
        assertThat(((YamlNode.Scalar) agent.entries().get("name").value()).value()).isEqualTo("quoted # not a comment");
        YamlNode.Sequence list = (YamlNode.Sequence) root.entries().get("list").value();
        assertThat(list.items()).extracting(n -> ((YamlNode.Scalar) n).value()).containsExactly("a", "it's");
        YamlNode.Sequence same = (YamlNode.Sequence) root.entries().get("same_indent_list").value();
        assertThat(same.items()).hasSize(2);
        YamlNode.Sequence flow = (YamlNode.Sequence) root.entries().get("flow").value();
        assertThat(flow.items()).extracting(n -> ((YamlNode.Scalar) n).value())
                .containsExactly("otlp", "prometheus", "logging");
        assertThat(((YamlNode.Sequence) root.entries().get("empty_flow").value()).items()).isEmpty();
        YamlNode.Sequence maps = (YamlNode.Sequence) root.entries().get("maps").value();
        YamlNode.Mapping first = (YamlNode.Mapping) maps.items().get(0);
        assertThat(((YamlNode.Scalar) first.entries().get("pattern").value()).value()).isEqualTo("p-\\d+");
        assertThat(first.entries().get("group").line()).isEqualTo(15);
        assertThat(((YamlNode.Scalar) root.entries().get("url").value()).value()).isEqualTo("http://localhost:4317");
        assertThat(((YamlNode.Scalar) root.entries().get("nothing").value()).value()).isNull();
    }

    @Test
    void emptyDocumentIsEmptyMap() throws Exception {
        assertThat(YamlParser.parse("# only a comment\n\n").entries()).isEmpty();
    }

    @Test
    void rejectsWithLineNumbers() {
        assertError("a:\n\tb: 1\n", 2, "tab");
        assertError("a: 1\na: 2\n", 2, "duplicate key 'a' (first on line 1)");
        assertError("a:\n  b: 1\n    c: 2\n", 3, "unexpected indentation");
        assertError("a: &anchor x\n", 1, "anchors");
        assertError("a: |\n  text\n", 1, "multi-line");
        assertError("a: \"open\n", 1, "unterminated");
        assertError("just text\n", 1, "expected 'key: value'");
        assertError("- a\n- b\n", 1, "must be a map");
        assertError("a: [x, [y]]\n", 1, "nested flow");
        assertError("a:\n  - x\n  y: 1\n", 3, "");
    }

    private static void assertError(String yaml, int line, String fragment) {
        assertThatThrownBy(() -> YamlParser.parse(yaml))
                .isInstanceOf(YamlException.class)
                .satisfies(e -> assertThat(((YamlException) e).line()).isEqualTo(line))
                .hasMessageContaining(fragment);
    }
}
