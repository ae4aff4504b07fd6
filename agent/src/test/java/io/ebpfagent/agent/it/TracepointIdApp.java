package io.ebpfagent.agent.it;

import io.ebpfagent.loader.link.Tracefs;

/**
 * Reads a classic tracepoint's id through the loader, which mounts tracefs privately when it is
 * not mounted, prints it and then lives for {@code args[0]} ms so that the test can look at its
 * mounts.
 */
public final class TracepointIdApp {
    private TracepointIdApp() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("APP tracepoint id " + Tracefs.eventId("syscalls", "sys_enter_getpid"));
        System.out.flush();
        Thread.sleep(Long.parseLong(args[0]));
    }
}
