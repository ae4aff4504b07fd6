#!/usr/bin/env bash
# Compiles every eBPF C source of the repository into the object that is committed beside the
# Java code using it:
#   <module>/src/<set>/bpf/NAME.bpf.c  ->  <module>/src/<set>/resources/<resource dir>/NAME.bpf.o
# The output must be byte-for-byte reproducible on any machine and in any checkout directory,
# so the compiler runs from the repository root on relative paths, the compilation directory
# recorded in debug info is ".", and DWARF is stripped (BTF and BTF.ext stay: they are what
# the loader needs).
set -euo pipefail
cd "$(dirname "$0")/.."

CLANG=${CLANG:-clang-19}
STRIP=${LLVM_STRIP:-llvm-strip-19}
command -v "$CLANG" >/dev/null || { echo "build-bpf: $CLANG not found (apt-get install clang-19 llvm-19 libbpf-dev)" >&2; exit 1; }
command -v "$STRIP" >/dev/null || { echo "build-bpf: $STRIP not found (apt-get install llvm-19)" >&2; exit 1; }
[ -f /usr/include/bpf/bpf_helpers.h ] || { echo "build-bpf: libbpf headers not found (apt-get install libbpf-dev)" >&2; exit 1; }

# resource directory of the objects, per source directory
declare -A OUT=(
  [loader/src/test/bpf]=loader/src/test/resources/bpf
  [probes/src/main/bpf]=probes/src/main/resources/io/ebpfagent/probes/bpf
  [probes/src/test/bpf]=probes/src/test/resources/io/ebpfagent/probes/bench/bpf
  [examples/src/main/bpf]=examples/src/main/resources/io/ebpfagent/examples/bpf
)

CFLAGS=(-target bpf -g -O2 -D__TARGET_ARCH_x86 -Wall -Werror
        -fdebug-compilation-dir=. -fno-ident
        -Ibpf/include -I/usr/include/x86_64-linux-gnu)

# clang-19's BTF type order for some objects depends on the absolute path it compiles in (not
# only on the sources), so every checkout compiles in one fixed staging directory: the same
# sources give the same bytes wherever the repository is cloned.
REPO=$PWD
STAGE=/tmp/ebpf-agent-bpf-build
exec 9>"$STAGE.lock"
flock 9
rm -rf "$STAGE"
mkdir -p "$STAGE"
cp -r --parents bpf/include "${!OUT[@]}" "$STAGE"/ 2>/dev/null || true
cd "$STAGE"

built=0
for src_dir in "${!OUT[@]}"; do
  [ -d "$src_dir" ] || continue
  out_dir=${OUT[$src_dir]}
  mkdir -p "$out_dir"
  for src in "$src_dir"/*.bpf.c; do
    [ -e "$src" ] || continue
    name=$(basename "$src" .c)
    obj="$out_dir/$name.o"
    "$CLANG" "${CFLAGS[@]}" -I"$src_dir" -c "$src" -o "$obj.tmp"
    mkdir -p "$REPO/$out_dir"
    "$STRIP" -g "$obj.tmp" -o "$REPO/$obj"
    rm -f "$obj.tmp"
    echo "build-bpf: $src -> $obj"
    built=$((built + 1))
  done
done
echo "build-bpf: $built object(s) built"
