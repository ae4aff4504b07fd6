package io.ebpfagent.agent.threads;

/**
 * One OS thread of this JVM as the registry knows it.
 *
 * @param tid    kernel thread id
 * @param javaId {@link Thread#threadId()}, or -1 for JVM-internal threads
 * @param group  the bounded-cardinality name group ({@link ThreadGroups})
 */
public record JavaThreadInfo(int tid, long javaId, String name, boolean daemon, ThreadKind kind, String group) {

    JavaThreadInfo withName(String newName, String newGroup) {
        return new JavaThreadInfo(tid, javaId, newName, daemon, kind, newGroup);
    }

    JavaThreadInfo withKind(ThreadKind newKind) {
        return new JavaThreadInfo(tid, javaId, name, daemon, newKind, group);
    }
}
