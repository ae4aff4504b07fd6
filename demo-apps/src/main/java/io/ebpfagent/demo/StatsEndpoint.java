package io.ebpfagent.demo;

import java.util.Map;

/** {@code /stats}: requests and errors served per endpoint since start. */
public final class StatsEndpoint implements Endpoint {
    private final RequestStats stats;

    public StatsEndpoint(RequestStats stats) {
        this.stats = stats;
    }

    @Override
    public String path() {
        return "/stats";
    }

    @Override
    public Json handle(Query query) {
        return new Json()
                .put("requests", toJson(stats.requestsSnapshot()))
                .put("errors", toJson(stats.errorsSnapshot()));
    }

    private static Json toJson(Map<String, Long> counts) {
        Json json = new Json();
        counts.forEach(json::put);
        return json;
    }
}
