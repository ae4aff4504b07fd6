package io.ebpfagent.loader.maps;

/**
 * A key and its value as read from or written to a map. For per-CPU maps the value holds every
 * possible CPU's value back to back, each padded to 8 bytes ({@link BpfMap#valueBufferSize()}).
 */
public record MapEntry(byte[] key, byte[] value) {
}
