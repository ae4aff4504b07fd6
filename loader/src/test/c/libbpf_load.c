// Reference for the conformance suite (ForeignObjectsConformanceIT): loads every program of
// each object given on the command line with libbpf, one program at a time (the others'
// autoload switched off, as the tools do to pick a variant), and prints one line per program:
//   PROG <object> <program> OK <tag>
//   PROG <object> <program> FAIL <errno>
//   OPEN <object> FAIL <errno>     (libbpf cannot even open the object)
// Usage: libbpf_load PIN_ROOT OBJECT...; maps pinned by name go under PIN_ROOT (a bpffs
// directory the caller removes), not under libbpf's default /sys/fs/bpf.
// Compiled at test time against the installed libbpf-dev.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args) {
    (void) level; (void) fmt; (void) args;
    return 0;
}

static struct bpf_object_open_opts open_opts = { .sz = sizeof(struct bpf_object_open_opts) };

static int load_one(const char *path, const char *wanted) {
    struct bpf_object *obj = bpf_object__open_file(path, &open_opts);
    if (!obj) return -errno;
    struct bpf_program *prog, *target = NULL;
    bpf_object__for_each_program(prog, obj) {
        int self = strcmp(bpf_program__name(prog), wanted) == 0;
        bpf_program__set_autoload(prog, self);
        if (self) target = prog;
    }
    // the tools' own setup: maps sized at run time (declared with max_entries 0) get a size;
    // ForeignObjectsConformanceIT does the same on its side
    struct bpf_map *map;
    bpf_object__for_each_map(map, obj) {
        enum bpf_map_type t = bpf_map__type(map);
        if (bpf_map__max_entries(map) == 0 && t != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
            bpf_map__set_max_entries(map, t == BPF_MAP_TYPE_RINGBUF ? 256 * 1024 : 1024);
    }
    int err = target ? bpf_object__load(obj) : -ENOENT;
    if (!err) {
        struct bpf_prog_info info;
        __u32 len = sizeof(info);
        memset(&info, 0, sizeof(info));
        err = bpf_obj_get_info_by_fd(bpf_program__fd(target), &info, &len);
        if (!err) {
            printf("PROG %s %s OK ", path, wanted);
            for (int i = 0; i < BPF_TAG_SIZE; i++) printf("%02x", info.tag[i]);
            printf("\n");
        }
    }
    if (err) printf("PROG %s %s FAIL %d\n", path, wanted, -err);
    bpf_object__close(obj);
    return 0;
}

static int verbose(enum libbpf_print_level level, const char *fmt, va_list args) {
    (void) level;
    return vfprintf(stderr, fmt, args);
}

int main(int argc, char **argv) {
    libbpf_set_print(getenv("LIBBPF_LOAD_VERBOSE") ? verbose : quiet);
    if (argc < 2) {
        fprintf(stderr, "usage: %s PIN_ROOT OBJECT...\n", argv[0]);
        return 2;
    }
    open_opts.pin_root_path = argv[1];
    for (int a = 2; a < argc; a++) {
        struct bpf_object *obj = bpf_object__open_file(argv[a], &open_opts);
        if (!obj) {
            printf("OPEN %s FAIL %d\n", argv[a], errno);
            continue;
        }
        char names[256][128];
        int n = 0;
        struct bpf_program *prog;
        bpf_object__for_each_program(prog, obj) {
            if (n < 256) snprintf(names[n++], sizeof(names[0]), "%s", bpf_program__name(prog));
        }
        bpf_object__close(obj);
        for (int i = 0; i < n; i++) load_one(argv[a], names[i]);
        fflush(stdout);
    }
    return 0;
}
