package io.ebpfagent.demo.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The PromQL the demo prints is the documented PromQL (docs/backends/prometheus-grafana.md), which
 * e2e's BackendDocsIT runs against a real Prometheus: a query changed in one place only fails here.
 */
class DocsQueriesTest {
    @Test
    void everyLiveQueryIsDocumented() throws Exception {
        String page = Files.readString(Path.of("..", "docs", "backends", "prometheus-grafana.md"));
        assertThat(Signals.LIVE_QUERIES).isNotEmpty().allSatisfy(q -> {
            assertThat(page).as("query '%s'", q.title()).contains("\n" + q.promql() + "\n");
            assertThat(page).as("title of '%s'", q.promql()).contains("# " + q.title() + "\n" + q.promql());
        });
    }
}
