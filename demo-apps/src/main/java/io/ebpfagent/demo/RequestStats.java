package io.ebpfagent.demo;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Requests and failed requests per endpoint path, counted before the response is sent. */
public final class RequestStats {
    private final ConcurrentHashMap<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> errors = new ConcurrentHashMap<>();

    public void record(String path, boolean ok) {
        requests.computeIfAbsent(path, k -> new LongAdder()).increment();
        if (!ok) {
            errors.computeIfAbsent(path, k -> new LongAdder()).increment();
        }
    }

    public long requests(String path) {
        LongAdder adder = requests.get(path);
        return adder == null ? 0 : adder.sum();
    }

    public long errors(String path) {
        LongAdder adder = errors.get(path);
        return adder == null ? 0 : adder.sum();
    }

    public Map<String, Long> requestsSnapshot() {
        return snapshot(requests);
    }

    public Map<String, Long> errorsSnapshot() {
        return snapshot(errors);
    }

    private static Map<String, Long> snapshot(Map<String, LongAdder> counters) {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((path, adder) -> out.put(path, adder.sum()));
        return out;
    }
}
