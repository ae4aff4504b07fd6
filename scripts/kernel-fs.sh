#!/usr/bin/env bash
# Mounts the kernel file systems the loader, the probes and their tests use, when they are
# absent and we may: tracefs (tracepoint ids) and bpffs (pinning). Idempotent; never fails the
# caller, because a machine without them still runs every test that does not need them.
mount_if_absent() { # fstype target
  local fstype=$1 target=$2
  if grep -qs " $target $fstype " /proc/mounts; then return 0; fi
  if [ "$(id -u)" != 0 ]; then
    echo "kernel-fs: $fstype is not mounted at $target and we are not root; tests needing it will skip" >&2
    return 0
  fi
  mkdir -p "$target" 2>/dev/null || true
  mount -t "$fstype" "$fstype" "$target" 2>/dev/null \
    && echo "kernel-fs: mounted $fstype at $target" \
    || echo "kernel-fs: could not mount $fstype at $target; tests needing it will skip" >&2
}
mount_if_absent tracefs /sys/kernel/tracing
mount_if_absent bpf /sys/fs/bpf
exit 0
