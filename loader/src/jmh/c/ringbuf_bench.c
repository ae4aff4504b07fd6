// Baseline for the Java ring buffer reader: the same producer object (ringbuf_bench.bpf.o),
// drained by libbpf's ring_buffer__consume / ring_buffer__poll.
//
//   ringbuf_bench OBJECT drain SIZE SECONDS ITERATIONS WARMUPS RECORDS
//       fill the ring with RECORDS records (RECORDS / 256 BPF_PROG_TEST_RUNs), time only the drain;
//       prints "RESULT drain SIZE <ns per record>" per measured iteration
//   ringbuf_bench OBJECT e2e SIZE SECONDS ITERATIONS WARMUPS RECORDS
//       a producer thread runs the program (256 records per run, RECORDS ignored) while this
//       thread polls;
//       prints "RESULT e2e SIZE <records per second>" per measured iteration
//
// Build: gcc -O2 -o ringbuf_bench ringbuf_bench.c -lbpf -lelf -lz -lpthread
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PER_RUN 256 // MAX_PER_RUN of ringbuf_bench.bpf.c

struct rec {
	uint64_t seq;
	uint64_t tag;
};

static uint64_t checksum;
static atomic_int producing;
static int prog_fd;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

// touches the record like the Java handler does: both header words of the payload
static int on_record(void *ctx, void *data, size_t size)
{
	const struct rec *r = data;
	checksum += r->seq + r->tag + size;
	return 0;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "ringbuf_bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static void run_producer_once(void)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	if (bpf_prog_test_run_opts(prog_fd, &opts))
		die("BPF_PROG_TEST_RUN", errno);
	if (opts.retval)
		die("producer program misconfigured", EINVAL);
}

static void *producer(void *arg)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	while (atomic_load_explicit(&producing, memory_order_relaxed)) {
		if (bpf_prog_test_run_opts(prog_fd, &opts))
			die("BPF_PROG_TEST_RUN", errno);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 8) {
		fprintf(stderr, "usage: %s OBJECT drain|e2e SIZE SECONDS ITERATIONS WARMUPS RECORDS\n", argv[0]);
		return 2;
	}
	const char *path = argv[1], *mode = argv[2];
	int size = atoi(argv[3]);
	double seconds = atof(argv[4]);
	int iterations = atoi(argv[5]), warmups = atoi(argv[6]);
	uint64_t records = strtoull(argv[7], NULL, 10);
	int drain = strcmp(mode, "drain") == 0;

	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj)
		die("open object", errno);
	if (bpf_object__load(obj))
		die("load object", errno);
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, "produce");
	if (!prog)
		die("program produce", ENOENT);
	prog_fd = bpf_program__fd(prog);
	int bench_fd = bpf_object__find_map_fd_by_name(obj, "bench");
	int rb_fd = bpf_object__find_map_fd_by_name(obj, "rb");
	uint32_t k0 = 0, k3 = 3;
	uint64_t record_size = size, per_run = PER_RUN;
	if (records % PER_RUN) {
		fprintf(stderr, "ringbuf_bench: RECORDS must be a multiple of %d\n", PER_RUN);
		return 2;
	}
	if (bpf_map_update_elem(bench_fd, &k0, &per_run, BPF_ANY) ||
	    bpf_map_update_elem(bench_fd, &k3, &record_size, BPF_ANY))
		die("configure producer", errno);
	struct ring_buffer *rb = ring_buffer__new(rb_fd, on_record, NULL, NULL);
	if (!rb)
		die("ring_buffer__new", errno);

	for (int it = -warmups; it < iterations; it++) {
		ring_buffer__consume(rb); // leftovers of the previous iteration
		uint64_t consumed = 0, timed = 0;
		uint64_t start = now_ns(), deadline = start + (uint64_t)(seconds * 1e9);
		if (drain) {
			while (now_ns() < deadline) {
				for (uint64_t r = 0; r < records; r += PER_RUN)
					run_producer_once();
				uint64_t t0 = now_ns();
				int n = ring_buffer__consume(rb);
				timed += now_ns() - t0;
				if (n != (int)records) {
					fprintf(stderr, "ringbuf_bench: drained %d records, expected %llu\n", n,
						(unsigned long long)records);
					return 1;
				}
				consumed += n;
			}
			if (it >= 0)
				printf("RESULT drain %d %.3f\n", size, (double)timed / consumed);
		} else {
			pthread_t thread;
			atomic_store(&producing, 1);
			if (pthread_create(&thread, NULL, producer, NULL))
				die("pthread_create", errno);
			uint64_t t0 = now_ns();
			while (now_ns() < deadline) {
				int n = ring_buffer__poll(rb, 100);
				if (n < 0 && n != -EINTR)
					die("ring_buffer__poll", n);
				if (n > 0)
					consumed += n;
			}
			timed = now_ns() - t0;
			atomic_store(&producing, 0);
			pthread_join(thread, NULL);
			if (it >= 0)
				printf("RESULT e2e %d %.1f\n", size, consumed * 1e9 / timed);
		}
		fflush(stdout);
	}
	fprintf(stderr, "checksum %llu\n", (unsigned long long)checksum);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return 0;
}
