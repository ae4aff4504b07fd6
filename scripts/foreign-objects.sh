#!/usr/bin/env bash
# Installs what the loader's conformance test (ForeignObjectsConformanceIT) compares against:
# the eBPF objects of Debian's libbpf-tools (embedded in its executables), libxdp1 and xdp-tools,
# and libbpf-dev plus a C compiler for the libbpf reference program. Idempotent: installs only
# what is missing. Without root or apt it says so and leaves the test to fail with the reason.
set -uo pipefail
need=()
for p in libbpf-tools libxdp1 xdp-tools libbpf-dev gcc; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "foreign-objects: missing ${need[*]} and cannot install them (needs root and apt-get);" \
       "the loader's conformance test will fail" >&2
  exit 0
fi
echo "foreign-objects: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 \
  || { apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; } \
  || echo "foreign-objects: could not install ${need[*]}; the loader's conformance test will fail" >&2
exit 0
