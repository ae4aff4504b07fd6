/**
 * User statically defined tracepoints: reading {@code .note.stapsdt} probes, decoding their
 * x86_64 argument specs into libbpf's {@code __bpf_usdt_spec} layout, and attaching
 * {@code BPF_USDT()} programs ({@link io.ebpfagent.loader.usdt.Usdt}).
 */
package io.ebpfagent.loader.usdt;
