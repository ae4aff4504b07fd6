#!/usr/bin/env bash
# Installs the independent tools the tests check the agent against, so that `./run test` works on a
# fresh machine: the eBPF objects of Debian's libbpf-tools (embedded in its executables), libxdp1
# and xdp-tools, and libbpf-dev plus a C compiler, for the loader's conformance test
# (ForeignObjectsConformanceIT); the Prometheus server and promtool, for the e2e tests that scrape
# the agent and check its exposition; bpftrace, which times run-queue waits its own way for the
# sched probe's ground-truth test. Idempotent: installs only what is missing. Without root or
# apt it says so and leaves the tests to fail (conformance) or skip (promtool) with the reason.
set -uo pipefail
need=()
for p in libbpf-tools libxdp1 xdp-tools libbpf-dev gcc prometheus bpftrace; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "test-packages: missing ${need[*]} and cannot install them (needs root and apt-get)" >&2
    exit 0
  fi
  echo "test-packages: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; } \
    || echo "test-packages: could not install ${need[*]}" >&2
fi
# The Debian package starts a system Prometheus on :9090; the e2e tests start their own.
if dpkg -s prometheus >/dev/null 2>&1; then
  systemctl disable --now prometheus >/dev/null 2>&1 || pkill -x prometheus || true
fi
exit 0
