package io.ebpfagent.otel.export;

import io.opentelemetry.common.ComponentLoader;
import io.opentelemetry.sdk.common.export.GrpcSender;
import io.opentelemetry.sdk.common.export.GrpcSenderConfig;
import io.opentelemetry.sdk.common.export.GrpcSenderProvider;
import io.opentelemetry.sdk.common.export.HttpSender;
import io.opentelemetry.sdk.common.export.HttpSenderConfig;
import io.opentelemetry.sdk.common.export.HttpSenderProvider;
import java.util.List;

/**
 * Hands the OTLP exporters their senders directly instead of through service files, which a
 * shaded, relocated agent jar may merge or lose: {@link ClientHttpSender} (JDK HttpClient) for
 * http/protobuf, the grpc-java channel sender for gRPC; each registered with the setup's
 * {@link Transports}.
 */
final class ExporterComponents implements ComponentLoader {
    private final ComponentLoader fallback = ComponentLoader.forClassLoader(ExporterComponents.class.getClassLoader());
    private final Transports transports;

    ExporterComponents(Transports transports) {
        this.transports = transports;
    }

    @Override
    public <T> Iterable<T> load(Class<T> type) {
        if (type == GrpcSenderProvider.class) {
            return List.of(type.cast(new GrpcSenderProvider() {
                @Override
                public GrpcSender createSender(GrpcSenderConfig config) {
                    return transports.add(new ChannelGrpcSender(config));
                }
            }));
        }
        if (type == HttpSenderProvider.class) {
            return List.of(type.cast(new HttpSenderProvider() {
                @Override
                public HttpSender createSender(HttpSenderConfig config) {
                    return transports.add(new ClientHttpSender(config));
                }
            }));
        }
        return fallback.load(type);
    }
}
