package io.ebpfagent.loader.usdt;

import java.util.List;

/**
 * One USDT probe site of a binary, from its {@code .note.stapsdt} note, with the addresses
 * already corrected for prelinking ({@code .stapsdt.base}).
 *
 * @param provider         the provider ({@code hotspot})
 * @param name             the probe name ({@code thread__start})
 * @param address          virtual address of the probe instruction in the binary
 * @param fileOffset       file offset of that instruction (what a uprobe attaches to)
 * @param semaphoreAddress virtual address of the semaphore, 0 if the probe has none
 * @param semaphoreOffset  file offset of the semaphore (uprobe {@code ref_ctr_offset}), 0 if none
 * @param argumentString   the raw argument string
 * @param arguments        the parsed arguments
 */
public record UsdtProbe(String provider, String name, long address, long fileOffset, long semaphoreAddress,
                        long semaphoreOffset, String argumentString, List<UsdtArgument> arguments) {

    public UsdtProbe {
        arguments = List.copyOf(arguments);
    }
}
