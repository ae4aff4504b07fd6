package io.ebpfagent.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LiveSettingsTest {

    @Test
    void aLiveKeyIsParsedToItsType() {
        List<String> problems = new ArrayList<>();
        List<LiveSettings.Change> changes = LiveSettings.parse("spans.breakdown=false", problems);
        assertThat(problems).isEmpty();
        assertThat(changes).containsExactly(new LiveSettings.Change(ConfigSchema.SPANS_BREAKDOWN, false));
        assertThat(changes.get(0)).hasToString("spans.breakdown=false");
    }

    @Test
    void everyPartThatCannotChangeSaysWhy() {
        List<String> problems = new ArrayList<>();
        List<LiveSettings.Change> changes = LiveSettings.parse(
                "config=/etc/agent.yaml, spans.breakdwn=true, probes.io.enabled=true, spans.breakdown=maybe, "
                        + "spans.breakdown=true", problems);
        assertThat(changes).containsExactly(new LiveSettings.Change(ConfigSchema.SPANS_BREAKDOWN, true));
        assertThat(problems).hasSize(3);
        assertThat(problems.get(0)).contains("'/etc/agent.yaml'").contains("read only at start");
        assertThat(problems.get(1)).isEqualTo("unknown setting 'spans.breakdwn'");
        assertThat(problems.get(2)).contains("'probes.io.enabled' cannot change while the agent runs")
                .contains("what can: spans.breakdown");
    }

    @Test
    void aValueOfTheWrongTypeIsNamed() {
        List<String> problems = new ArrayList<>();
        assertThat(LiveSettings.parse("spans.breakdown=maybe", problems)).isEmpty();
        assertThat(problems).singleElement().asString().contains("'spans.breakdown'").contains("'maybe' is not");
    }

    @Test
    void nothingGivenIsAProblemToo() {
        List<String> problems = new ArrayList<>();
        assertThat(LiveSettings.parse("  ", problems)).isEmpty();
        assertThat(problems).singleElement().asString().contains("no setting given");
    }
}
