// What placing a process in a cgroup and creating its log files cost, without Overseer: the floor under a
// daemon task's start. Usage: placefloor migrate|clone HIERARCHY_DIR GAP_US N | placefloor create DIR N
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

static void report(const char *what, double *v, int n) {
    qsort(v, n, sizeof *v, cmp);
    printf("%s p50 %.1f p99 %.1f max %.1f us\n", what, v[n / 2], v[(int) (n * 0.99)], v[n - 1]);
}

// A fresh child placed in a fresh cgroup, GAP_US after the previous placement, one of two ways, the way timed.
// migrate: its pid written to cgroup.procs, which takes the kernel's threadgroup rwsem for writing (without
// favordynmods it may wait for an RCU grace period). clone: born there (clone3 with CLONE_INTO_CGROUP, as libspawn
// spawns a task whose only cgroup is a v2 one), the rwsem taken for reading only; the fork is timed with it.
static int place(int clone, const char *hierarchy, int gap, int n) {
    char base[512], dir[600], procs[700], pid[32];
    double *v = calloc(n, sizeof *v);
    snprintf(base, sizeof base, "%s/overseer-bench-placefloor", hierarchy);
    mkdir(base, 0755);
    for (int i = 0; i < n; i++) {
        snprintf(dir, sizeof dir, "%s/t%d", base, i);
        if (mkdir(dir, 0755) != 0) { perror(dir); return 1; }
        long child;
        if (clone) {
            int cgroup = open(dir, O_PATH | O_CLOEXEC);
            struct clone_args args;
            memset(&args, 0, sizeof args);
            args.flags = CLONE_INTO_CGROUP;
            args.exit_signal = SIGCHLD;
            args.cgroup = (unsigned long) cgroup;
            usleep(gap);
            double t0 = now_us();
            child = syscall(SYS_clone3, &args, sizeof args);
            if (child == 0) { pause(); _exit(0); }
            v[i] = now_us() - t0;
            if (child < 0) { perror("clone3"); return 1; }
            close(cgroup);
        } else {
            child = fork();
            if (child == 0) { pause(); _exit(0); }
            usleep(gap);
            snprintf(procs, sizeof procs, "%s/cgroup.procs", dir);
            int len = snprintf(pid, sizeof pid, "%ld", child);
            double t0 = now_us();
            int fd = open(procs, O_WRONLY);
            if (fd < 0 || write(fd, pid, len) != len) { perror(procs); return 1; }
            close(fd);
            v[i] = now_us() - t0;
        }
        kill((pid_t) child, SIGKILL);
        waitpid((pid_t) child, NULL, 0);
        rmdir(dir);
    }
    rmdir(base);
    report(clone ? "clone into" : "migrate", v, n);
    return 0;
}

// What a task's two log files cost to create where the daemon keeps them (O_CREAT|O_APPEND, as its spawn does).
static int create(const char *dir, int n) {
    char path[600];
    double *v = calloc(n, sizeof *v);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/f%d", dir, i);
        double t0 = now_us();
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        v[i] = now_us() - t0;
        if (fd < 0) { perror(path); return 1; }
        close(fd);
        unlink(path);
    }
    report("create", v, n);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 5 && (strcmp(argv[1], "migrate") == 0 || strcmp(argv[1], "clone") == 0))
        return place(strcmp(argv[1], "clone") == 0, argv[2], atoi(argv[3]), atoi(argv[4]));
    if (argc == 4 && strcmp(argv[1], "create") == 0) return create(argv[2], atoi(argv[3]));
    fprintf(stderr, "usage: placefloor migrate|clone HIERARCHY GAP_US N | placefloor create DIR N\n");
    return 64;
}
