/**
 * Zero-copy reading of {@code BPF_MAP_TYPE_RINGBUF} maps: records are handed to a
 * {@link io.ebpfagent.loader.ringbuf.RecordHandler} in place, from one ring
 * ({@link io.ebpfagent.loader.ringbuf.RingBufferReader}) or several on one epoll
 * ({@link io.ebpfagent.loader.ringbuf.RingBufferGroup}).
 */
package io.ebpfagent.loader.ringbuf;
