/**
 * Typed bindings generated from an object's BTF, as cilium/ebpf's {@code bpf2go} and libbpf's
 * skeletons do: {@link io.ebpfagent.loader.gen.GenerateBindings} (a command line for a build
 * step) writes one Java class per eBPF object with the {@code MemoryLayout}s, sizes, offsets and
 * {@code VarHandle}s of its map keys and values, event structs and global variables, so Java code
 * never restates a C struct by hand. See the loader's README for the rules.
 */
package io.ebpfagent.loader.gen;
