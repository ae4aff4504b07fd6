/**
 * Attaching programs to hooks: {@link io.ebpfagent.loader.link.Links} creates
 * {@link io.ebpfagent.loader.link.Link}s (kernel BPF links, perf events carrying a program, or
 * groups of both) that detach on close and can be pinned on a bpffs.
 */
package io.ebpfagent.loader.link;
