package io.ebpfagent.loader.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An epoll instance with a reusable native event buffer and an eventfd for wake-ups, so that
 * one thread can block in {@link #waitReady} while another ends the wait with {@link #wakeup()}.
 *
 * <p>{@link #waitReady} allocates nothing: the ready tokens are copied into a {@code long[]}
 * owned by the instance. Only one thread may wait at a time; {@link #wakeup()} is thread-safe,
 * and so is {@link #close()}, which ends a wait under way before it releases the descriptors.
 */
public final class Epoll implements AutoCloseable {
    public static final int EPOLLIN = 0x001;
    private static final int EPOLL_CLOEXEC = 0x80000;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    private static final int EFD_CLOEXEC = 0x80000;
    private static final int EFD_NONBLOCK = 0x800;
    private static final long WAKEUP_TOKEN = -1L;

    // struct epoll_event is packed on x86_64 (12 bytes), naturally aligned elsewhere (16 bytes)
    private static final boolean PACKED = isX86_64(System.getProperty("os.arch"));
    private static final long EVENT_SIZE = PACKED ? 12 : 16;
    private static final long DATA_OFFSET = PACKED ? 4 : 8;

    // the eventfd's increment and a zero, in memory never freed: wakeup() may race with close()
    private static final MemorySegment ONE = Arena.global().allocate(JAVA_LONG);
    private static final MemorySegment ZERO = Arena.global().allocate(JAVA_LONG);

    static {
        ONE.set(JAVA_LONG, 0, 1L);
    }

    private final Arena arena = Arena.ofShared();
    /**
     * Held during a wait, as the kernel writes into {@link #events} meanwhile: the system calls
     * take raw addresses, so nothing else keeps {@link #close()} from freeing that memory.
     */
    private final Object waitLock = new Object();
    private final FileDescriptor epfd;
    private final FileDescriptor eventFd;
    private final MemorySegment events;
    private final MemorySegment ctlEvent;
    private final MemorySegment counter;
    private final long[] ready;
    private final int capacity;

    /** An epoll instance reporting up to {@code capacity} ready descriptors per wait. */
    public Epoll(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.capacity = capacity;
        this.epfd = new FileDescriptor(check("epoll_create1",
                Native.syscall(SyscallNumbers.EPOLL_CREATE1, EPOLL_CLOEXEC, 0, 0, 0, 0)));
        FileDescriptor efd = null;
        try {
            efd = new FileDescriptor(check("eventfd",
                    Native.syscall(SyscallNumbers.EVENTFD2, 0, EFD_CLOEXEC | EFD_NONBLOCK, 0, 0, 0)));
            this.events = arena.allocate(EVENT_SIZE * (capacity + 1), 8);
            this.ctlEvent = arena.allocate(16, 8);
            this.counter = arena.allocate(JAVA_LONG);
            this.ready = new long[capacity + 1];
            this.eventFd = efd;
            add(efd.get(), WAKEUP_TOKEN);
            // Adding 0 wakes no one but runs the write path now: running it first in wakeup(),
            // at a JVM's exit, cost 0.2-0.6 s on a loaded machine when write had a downcall
            // handle of its own (class initialisation and method handle spinning), all of it
            // added to the exit; now it is at most FileIo's class initialisation.
            FileIo.write(efd.get(), ZERO);
        } catch (RuntimeException e) {
            if (efd != null) {
                efd.close();
            }
            epfd.close();
            arena.close();
            throw e;
        }
    }

    /** Watches {@code fd} for readability; {@code token} identifies it in {@link #readyToken}. */
    public synchronized void add(int fd, long token) {
        ctlEvent.set(JAVA_INT_UNALIGNED, 0, EPOLLIN);
        ctlEvent.set(JAVA_LONG_UNALIGNED, DATA_OFFSET, token);
        check("epoll_ctl(ADD)", ctl(EPOLL_CTL_ADD, fd, ctlEvent));
    }

    /** Stops watching {@code fd}. */
    public synchronized void remove(int fd) {
        check("epoll_ctl(DEL)", ctl(EPOLL_CTL_DEL, fd, ctlEvent));
    }

    /**
     * Waits up to {@code timeoutMillis} (-1: forever, 0: just poll) for ready descriptors.
     * Returns how many are ready (0 on timeout, interruption by a signal, or {@link #wakeup()});
     * their tokens are {@code readyToken(0..n-1)}.
     */
    public int waitReady(int timeoutMillis) {
        synchronized (waitLock) {
            // epoll_pwait without a signal mask is epoll_wait, and exists on every architecture
            int n = (int) Native.syscall6(SyscallNumbers.EPOLL_PWAIT, epfd.get(), events.address(), capacity + 1,
                    timeoutMillis, 0, 0);
            if (n < 0) {
                if (-n == Errno.EINTR.value()) {
                    return 0;
                }
                throw SyscallException.of("epoll_wait", -n);
            }
            int count = 0;
            for (int i = 0; i < n; i++) {
                long token = events.get(JAVA_LONG_UNALIGNED, i * EVENT_SIZE + DATA_OFFSET);
                if (token == WAKEUP_TOKEN) {
                    FileIo.read(eventFd.get(), counter);
                } else {
                    ready[count++] = token;
                }
            }
            return count;
        }
    }

    /** The token of the {@code i}-th ready descriptor of the last {@link #waitReady}. */
    public long readyToken(int i) {
        return ready[i];
    }

    /** Ends a concurrent or the next {@link #waitReady} early. Thread-safe. */
    public void wakeup() {
        if (!eventFd.isClosed()) {
            FileIo.write(eventFd.get(), ONE);
        }
    }

    /** The epoll descriptor. */
    public FileDescriptor fd() {
        return epfd;
    }

    @Override
    public void close() {
        wakeup();
        synchronized (waitLock) {
            synchronized (this) { // add and remove pass ctlEvent to the kernel
                eventFd.close();
                epfd.close();
                arena.close();
            }
        }
    }

    private static boolean isX86_64(String arch) {
        return "amd64".equals(arch) || "x86_64".equals(arch);
    }

    private long ctl(int op, int fd, MemorySegment ev) {
        return Native.syscall(SyscallNumbers.EPOLL_CTL, epfd.get(), op, fd, ev.address(), 0);
    }

    private static int check(String op, long r) {
        if (r < 0) {
            throw SyscallException.of(op, (int) -r);
        }
        return (int) r;
    }
}
