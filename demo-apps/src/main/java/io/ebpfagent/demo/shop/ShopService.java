package io.ebpfagent.demo.shop;

import io.opentelemetry.api.trace.Span;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The service {@code ./run demo} deploys: a small shop on Jetty 12, meant to run under the
 * OpenTelemetry Java agent (which makes the HTTP server and client spans and carries context into
 * the pricing pool) next to ebpf-agent.jar (which puts the kernel's account on those spans).
 *
 * <ul>
 * <li>{@code GET /checkout}: 2 ms CPU, the stock ledger (a monitor every checkout holds for 2 ms,
 * so concurrent checkouts wait for it), a call to {@code /inventory} over HTTP, pricing on the
 * pool (1 ms CPU + 3 ms sleep on a {@code pricing-N} thread), a 4 MiB order document built and
 * dropped (the garbage that makes young GCs stop requests), a 16 KiB journal write + fsync;</li>
 * <li>{@code GET /inventory}: 4 ms sleep (a slow store) and 0.5 ms CPU;</li>
 * <li>{@code GET /search}: 8 ms CPU;</li>
 * <li>{@code GET /orders}: a 64 KiB journal write + fsync.</li>
 * </ul>
 * The route goes on the server span (its name and {@code http.route}) through the OpenTelemetry
 * API, as a servlet framework would set it; without the OpenTelemetry Java agent that is a no-op.
 *
 * <p>{@code java -cp ... io.ebpfagent.demo.shop.ShopService [--port=N] [--journal=DIR]}; prints
 * {@code shop listening on port N} when it accepts requests. Request threads are
 * {@code shop-http-N}.
 */
public final class ShopService {
    public static final String READY_LINE = "shop listening on port ";

    private final ShopWork work;

    private ShopService(ShopWork work) {
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        int port = 0;
        Path journal = Path.of("/var/tmp");
        for (String a : args) {
            if (a.startsWith("--port=")) {
                port = Integer.parseInt(a.substring("--port=".length()));
            } else if (a.startsWith("--journal=")) {
                journal = Path.of(a.substring("--journal=".length()));
            } else {
                System.err.println("usage: ShopService [--port=N] [--journal=DIR]");
                System.exit(2);
            }
        }
        // A disk directory by default, not a tmpfs: the fsync has to reach a device to take time.
        Files.createDirectories(journal);
        ShopWork work = new ShopWork(Files.createTempDirectory(journal, "shop-journal"));
        QueuedThreadPool threads = new QueuedThreadPool(32, 8);
        threads.setName("shop-http");
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new ShopService(work).handler());
        server.setStopAtShutdown(true);
        server.start();
        work.inventoryAt(URI.create("http://127.0.0.1:" + connector.getLocalPort()));
        System.out.println(READY_LINE + connector.getLocalPort());
        server.join();
    }

    private Handler handler() {
        return new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String route = Request.getPathInContext(request);
                try {
                    String body = switch (route) {
                        case "/checkout" -> checkout();
                        case "/inventory" -> inventory();
                        case "/search" -> search();
                        case "/orders" -> orders();
                        default -> null;
                    };
                    if (body == null) {
                        Response.writeError(request, response, callback, 404, "no route " + route);
                        return true;
                    }
                    nameRoute(request.getMethod(), route);
                    response.setStatus(200);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                    Content.Sink.write(response, true, body, callback);
                } catch (Exception e) {
                    Response.writeError(request, response, callback, 500, e.toString());
                }
                return true;
            }
        };
    }

    /** Names the server span as the semantic conventions do: "{method} {route}" and http.route. */
    private static void nameRoute(String method, String route) {
        Span.current().updateName(method + " " + route).setAttribute("http.route", route);
    }

    private String checkout() throws Exception {
        long sku = ThreadLocalRandom.current().nextLong(1000);
        ShopWork.burnCpu(2);
        work.reserveStock(2);
        work.callInventory(sku);
        long price = work.priceOnPool(1, 3);
        long document = ShopWork.buildOrderDocument(4 * 1024);
        work.journal();
        return "{\"order\":\"placed\",\"sku\":" + sku + ",\"price\":" + (price & 0xffff) + ",\"doc\":"
                + (document & 0xff) + "}";
    }

    private String inventory() throws Exception {
        Thread.sleep(4);
        ShopWork.burnCpu(0.5);
        return "{\"in_stock\":true}";
    }

    private String search() {
        return "{\"hits\":" + (ShopWork.burnCpu(8) & 0xff) + "}";
    }

    private String orders() throws Exception {
        work.journal(64 * 1024);
        return "{\"orders\":\"flushed\"}";
    }
}
