/**
 * Reading {@code BPF_MAP_TYPE_PERF_EVENT_ARRAY} maps through per-CPU perf rings
 * ({@link io.ebpfagent.loader.perf.PerfReader}), for kernels or programs without ring buffers.
 */
package io.ebpfagent.loader.perf;
