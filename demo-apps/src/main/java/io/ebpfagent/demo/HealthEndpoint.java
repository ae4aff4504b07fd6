package io.ebpfagent.demo;

/** {@code /health}: liveness only. */
public final class HealthEndpoint implements Endpoint {

    @Override
    public String path() {
        return "/health";
    }

    @Override
    public Json handle(Query query) {
        return new Json().put("status", "UP");
    }
}
