/**
 * A pure-Java eBPF library built on the Foreign Function &amp; Memory API: no libbpf, no JNI.
 *
 * <p>The packages follow the split of cilium/ebpf: {@code sys} (the raw system calls),
 * {@code elf} and {@code btf} (object files and type information, with CO-RE),
 * {@code asm} (instructions), {@code maps} and {@code programs} (kernel objects),
 * {@code collection} (loading a whole object file), {@code features} (what the running kernel
 * supports). Every kernel object is an {@link java.lang.AutoCloseable}.
 */
package io.ebpfagent.loader;
