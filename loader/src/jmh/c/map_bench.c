// Baseline for BpfMap's MemorySegment element operations: raw bpf(2) BPF_MAP_LOOKUP_ELEM /
// BPF_MAP_UPDATE_ELEM on a hash map with u32 keys, the attribute sized like the Java side's
// (map_fd .. flags, 32 bytes).
//
//   map_bench lookup|update VALUE_SIZE SECONDS ITERATIONS WARMUPS
//       prints "RESULT <op> VALUE_SIZE <ns per op>" per measured iteration
//
// Build: gcc -O2 -o map_bench map_bench.c
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ENTRIES 1024
#define ELEM_ATTR_SIZE 32

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static long sys_bpf(int cmd, union bpf_attr *attr, unsigned int size)
{
	return syscall(__NR_bpf, cmd, attr, size);
}

static void die(const char *what)
{
	fprintf(stderr, "map_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: %s lookup|update VALUE_SIZE SECONDS ITERATIONS WARMUPS\n", argv[0]);
		return 2;
	}
	int lookup = strcmp(argv[1], "lookup") == 0;
	int value_size = atoi(argv[2]);
	double seconds = atof(argv[3]);
	int iterations = atoi(argv[4]), warmups = atoi(argv[5]);

	union bpf_attr create;
	memset(&create, 0, sizeof(create));
	create.map_type = BPF_MAP_TYPE_HASH;
	create.key_size = 4;
	create.value_size = value_size;
	create.max_entries = ENTRIES;
	strcpy(create.map_name, "bench_c");
	int fd = sys_bpf(BPF_MAP_CREATE, &create, sizeof(create));
	if (fd < 0)
		die("BPF_MAP_CREATE");

	uint32_t key = 0;
	uint64_t *value = aligned_alloc(8, (value_size + 7) & ~7);
	memset(value, 0, value_size);
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.map_fd = fd;
	attr.key = (uint64_t)(uintptr_t)&key;
	attr.value = (uint64_t)(uintptr_t)value;
	for (key = 0; key < ENTRIES; key++) {
		value[0] = key;
		attr.flags = BPF_ANY;
		if (sys_bpf(BPF_MAP_UPDATE_ELEM, &attr, ELEM_ATTR_SIZE))
			die("populate");
	}

	uint64_t sum = 0, i = 0;
	for (int it = -warmups; it < iterations; it++) {
		uint64_t ops = 0, start = now_ns(), deadline = start + (uint64_t)(seconds * 1e9), end;
		do {
			for (int b = 0; b < 4096; b++, i++) {
				// the attribute is rebuilt per call, as a library call would
				memset(&attr, 0, ELEM_ATTR_SIZE);
				attr.map_fd = fd;
				attr.key = (uint64_t)(uintptr_t)&key;
				attr.value = (uint64_t)(uintptr_t)value;
				key = i & (ENTRIES - 1);
				if (lookup) {
					if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr, ELEM_ATTR_SIZE))
						die("BPF_MAP_LOOKUP_ELEM");
					sum += value[0];
				} else {
					value[0] = i;
					attr.flags = BPF_ANY;
					if (sys_bpf(BPF_MAP_UPDATE_ELEM, &attr, ELEM_ATTR_SIZE))
						die("BPF_MAP_UPDATE_ELEM");
				}
			}
			ops += 4096;
			end = now_ns();
		} while (end < deadline);
		if (it >= 0)
			printf("RESULT %s %d %.2f\n", argv[1], value_size, (double)(end - start) / ops);
		fflush(stdout);
	}
	fprintf(stderr, "checksum %llu\n", (unsigned long long)sum);
	close(fd);
	return 0;
}
