#!/usr/bin/env bash
# Regenerates SyscallNames.java (x86_64 syscall number -> name) from the kernel UAPI header.
# Usage: otel-exporter/src/build/gen-syscall-names.sh [/usr/include/x86_64-linux-gnu/asm/unistd_64.h]
set -euo pipefail
header="${1:-/usr/include/x86_64-linux-gnu/asm/unistd_64.h}"
out="$(dirname "$0")/../main/java/io/ebpfagent/otel/SyscallNames.java"
entries="$(awk '$1 == "#define" && $2 ~ /^__NR_/ && $3 ~ /^[0-9]+$/ { sub(/^__NR_/, "", $2); print $3, $2 }' "$header" | sort -n)"
max="$(tail -n1 <<<"$entries" | cut -d' ' -f1)"
{
  cat <<JAVA
package io.ebpfagent.otel;

/**
 * x86_64 system call names by number, generated from {@code $(basename "$header")} by
 * {@code otel-exporter/src/build/gen-syscall-names.sh}; do not edit by hand.
 */
public final class SyscallNames {
    private static final String[] NAMES = new String[${max} + 1];

    static {
JAVA
  while read -r nr name; do
    printf '        NAMES[%d] = "%s";\n' "$nr" "$name"
  done <<<"$entries"
  cat <<'JAVA'
    }

    private SyscallNames() {}

    /** The name of syscall {@code nr}, or {@code "syscall_<nr>"} for a number this table lacks. */
    public static String name(int nr) {
        String n = nr >= 0 && nr < NAMES.length ? NAMES[nr] : null;
        return n != null ? n : "syscall_" + nr;
    }

    /** Whether {@code nr} is a known x86_64 syscall number. */
    public static boolean known(int nr) {
        return nr >= 0 && nr < NAMES.length && NAMES[nr] != null;
    }

    /** One more than the highest known syscall number. */
    public static int size() {
        return NAMES.length;
    }
}
JAVA
} > "$out"
echo "wrote $out ($(wc -l <<<"$entries") syscalls, max nr $max)"
