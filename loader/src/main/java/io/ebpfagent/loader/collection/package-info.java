/**
 * Reading a whole eBPF object file into specs: {@link io.ebpfagent.loader.collection.CollectionSpec}
 * (maps, linked programs, global variables, kconfig externs, the object's BTF), the section-name
 * table {@link io.ebpfagent.loader.collection.SectionDefinitions}, and the kernel configuration
 * reader {@link io.ebpfagent.loader.collection.Kconfig} for {@code __kconfig} externs.
 * Creating the kernel objects from a spec is the loader's next step.
 */
package io.ebpfagent.loader.collection;
