package io.ebpfagent.loader.link;

import io.ebpfagent.loader.sys.Bpf;
import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.sys.FileIo;
import io.ebpfagent.loader.sys.SyscallException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Runs a BPF iterator: each {@link #open} creates a fresh iteration ({@code BPF_ITER_CREATE})
 * whose output (what the program wrote with {@code bpf_seq_printf}/{@code bpf_seq_write}) is
 * read as a stream.
 */
public final class BpfIterator {
    private final BpfLink link;

    /** An iterator over an iterator link ({@link Links#iter}). */
    public BpfIterator(BpfLink link) {
        this.link = link;
    }

    /** Starts an iteration; close the stream to release it. */
    public InputStream open() {
        return new IterStream(Bpf.iterCreate(link.fd().get(), 0));
    }

    private static final class IterStream extends InputStream {
        private final FileDescriptor fd;
        private final Arena arena = Arena.ofConfined();
        private final MemorySegment buffer = arena.allocate(8192);
        private final byte[] one = new byte[1];

        IterStream(FileDescriptor fd) {
            this.fd = fd;
        }

        @Override
        public int read() throws IOException {
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            long r;
            do {
                r = FileIo.read(fd.get(), buffer.asSlice(0, Math.min(len, buffer.byteSize())));
            } while (r == -4); // EINTR
            if (r < 0) {
                throw new IOException(SyscallException.of("read of BPF iterator", (int) -r).getMessage());
            }
            if (r == 0) {
                return -1;
            }
            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, b, off, (int) r);
            return (int) r;
        }

        @Override
        public void close() {
            fd.close();
            arena.close();
        }
    }
}
