package io.ebpfagent.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Routes an exchange to its {@link Endpoint} by exact path, turns the outcome into a JSON
 * response with the handling thread's name, and counts it in {@link RequestStats} before the
 * response leaves, so a client that has its answer also sees it counted.
 */
final class EndpointHandler implements HttpHandler {
    private final Map<String, Endpoint> endpoints;
    private final RequestStats stats;

    EndpointHandler(Map<String, Endpoint> endpoints, RequestStats stats) {
        this.endpoints = Map.copyOf(endpoints);
        this.stats = stats;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        long start = System.nanoTime();
        String path = exchange.getRequestURI().getPath();
        Endpoint endpoint = endpoints.get(path);
        int status;
        Json body;
        if (endpoint == null) {
            status = 404;
            body = new Json().put("error", "no endpoint " + path)
                    .put("endpoints", String.join(",", endpoints.keySet().stream().sorted().toList()));
        } else if (!"GET".equals(exchange.getRequestMethod())) {
            status = 405;
            body = new Json().put("error", "only GET is supported");
        } else {
            Json result;
            try {
                result = endpoint.handle(Query.parse(exchange.getRequestURI().getRawQuery()));
                status = 200;
            } catch (BadRequestException e) {
                status = 400;
                result = new Json().put("error", e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                status = 503;
                result = new Json().put("error", "interrupted: service stopping");
            } catch (Exception e) {
                status = 500;
                result = new Json().put("error", e.toString());
            }
            body = result;
        }
        Thread thread = Thread.currentThread();
        body.put("endpoint", path)
                .put("http_status", status)
                .put("thread", thread.getName())
                .put("virtual", thread.isVirtual())
                .put("elapsed_ms", (System.nanoTime() - start) / 1e6);
        stats.record(endpoint == null ? "unknown" : path, status == 200);
        byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } finally {
            exchange.close();
        }
    }
}
