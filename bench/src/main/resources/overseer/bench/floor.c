/*
 * The floor for SpawnBench: posix_spawn + waitpid of /bin/true from C, with the same stdio (/dev/null)
 * and the same empty environment Overseer's native runtime gives a task.
 * usage: floor SPAWNS CALLERS WARMUP
 * prints: ELAPSED_NS CALL_NS_SUM SPAWNS   (wall time of the timed loop, summed per-call latency)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

static posix_spawn_file_actions_t actions;
static long per_caller;

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t) t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int64_t spawn_and_wait(void) {
    char *argv[] = {"/bin/true", NULL};
    char *envp[] = {NULL};
    pid_t pid;
    int status;
    int64_t start = now_ns();
    int rc = posix_spawn(&pid, "/bin/true", &actions, NULL, argv, envp);
    if (rc != 0) {
        fprintf(stderr, "posix_spawn: %s\n", strerror(rc));
        exit(2);
    }
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "/bin/true did not exit 0\n");
        exit(2);
    }
    return now_ns() - start;
}

static void *caller(void *sum) {
    int64_t total = 0;
    for (long i = 0; i < per_caller; i++) {
        total += spawn_and_wait();
    }
    *(int64_t *) sum = total;
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s SPAWNS CALLERS WARMUP\n", argv[0]);
        return 64;
    }
    long spawns = atol(argv[1]);
    int callers = atoi(argv[2]);
    long warmup = atol(argv[3]);
    if (spawns < 1 || callers < 1 || warmup < 0) {
        fprintf(stderr, "SPAWNS and CALLERS must be positive, WARMUP not negative\n");
        return 64;
    }
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);

    for (long i = 0; i < warmup; i++) {
        spawn_and_wait();
    }

    per_caller = spawns / callers;
    pthread_t threads[callers];
    int64_t sums[callers];
    int64_t start = now_ns();
    for (int i = 0; i < callers; i++) {
        if (pthread_create(&threads[i], NULL, caller, &sums[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 2;
        }
    }
    int64_t total = 0;
    for (int i = 0; i < callers; i++) {
        pthread_join(threads[i], NULL);
        total += sums[i];
    }
    int64_t elapsed = now_ns() - start;
    printf("%lld %lld %ld\n", (long long) elapsed, (long long) total, per_caller * callers);
    return 0;
}
