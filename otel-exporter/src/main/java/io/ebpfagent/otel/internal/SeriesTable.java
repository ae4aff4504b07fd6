package io.ebpfagent.otel.internal;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The series of one metric by attribute set, capped like the SDK's cardinality limit: once
 * {@code limit - 1} series exist, new attribute sets share one series marked
 * {@code otel.metric.overflow=true}. Looked up only when a thread cell links to its series,
 * never per event.
 */
final class SeriesTable<S> {
    static final Attributes OVERFLOW = Attributes.of(AttributeKey.booleanKey("otel.metric.overflow"), true);

    private final int limit;
    private final Function<Attributes, S> factory;
    private final Map<Attributes, S> series = new HashMap<>();
    private S overflow;

    SeriesTable(int limit, Function<Attributes, S> factory) {
        if (limit < 2) {
            throw new IllegalArgumentException("cardinality limit must be >= 2: " + limit);
        }
        this.limit = limit;
        this.factory = factory;
    }

    S seriesFor(Attributes attributes) {
        S s = series.get(attributes);
        if (s != null) {
            return s;
        }
        if (series.size() >= limit - 1) {
            if (overflow == null) {
                overflow = factory.apply(OVERFLOW);
            }
            return overflow;
        }
        s = factory.apply(attributes);
        series.put(attributes, s);
        return s;
    }

    List<S> all() {
        List<S> all = new ArrayList<>(series.size() + 1);
        all.addAll(series.values());
        if (overflow != null) {
            all.add(overflow);
        }
        return all;
    }

    int size() {
        return series.size() + (overflow == null ? 0 : 1);
    }
}
