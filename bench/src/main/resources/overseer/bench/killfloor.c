/*
 * The floor for ScaleBench's kill -> exit-event latency: the same shape as Overseer's native runtime
 * without the JVM. COUNT /bin/sleep 1000 processes are spawned and watched through pidfds on one epoll
 * reaper thread; the main thread SIGKILLs them in batches (pidfd_send_signal), noting the time before each
 * call, and waits for the reaper to have collected the whole batch with waitid(P_PIDFD) before the next.
 * usage: killfloor COUNT BATCH
 * prints: a '#' line with the spawn rate (processes/s) of each tenth of the spawns, then one latency in ns
 * per process (kill call -> status collected), in kill order
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static int epfd;
static int *pidfds;
static int64_t *killed_at;
static int64_t *latency;
static long remaining;
static sem_t collected;

static void *reaper(void *unused) {
    (void) unused;
    struct epoll_event events[256];
    while (remaining > 0) {
        int n = epoll_wait(epfd, events, 256, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            long idx = (long) events[i].data.u64;
            siginfo_t info;
            memset(&info, 0, sizeof info);
            if (waitid((idtype_t) P_PIDFD, (id_t) pidfds[idx], &info, WEXITED | WNOHANG) != 0) die("waitid");
            if (info.si_signo == 0) continue; /* woken early */
            latency[idx] = now_ns() - killed_at[idx];
            epoll_ctl(epfd, EPOLL_CTL_DEL, pidfds[idx], NULL);
            close(pidfds[idx]);
            remaining--;
            sem_post(&collected);
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s COUNT BATCH\n", argv[0]);
        return 64;
    }
    long count = atol(argv[1]);
    long batch = atol(argv[2]);
    if (count < 1 || batch < 1) {
        fprintf(stderr, "COUNT and BATCH must be positive\n");
        return 64;
    }
    pidfds = calloc(count, sizeof *pidfds);
    killed_at = calloc(count, sizeof *killed_at);
    latency = calloc(count, sizeof *latency);
    remaining = count;
    sem_init(&collected, 0, 0);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1");

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    char *args[] = {"/bin/sleep", "1000", NULL};
    char *envp[] = {NULL};
    long tenth = count / 10 > 0 ? count / 10 : 1;
    int64_t slice_start = now_ns();
    printf("# spawn rate of each tenth (processes/s):");
    for (long i = 0; i < count; i++) {
        pid_t pid;
        int rc = posix_spawn(&pid, "/bin/sleep", &actions, NULL, args, envp);
        if (rc != 0) {
            errno = rc;
            die("posix_spawn");
        }
        pidfds[i] = (int) syscall(SYS_pidfd_open, pid, 0);
        if (pidfds[i] < 0) die("pidfd_open");
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t) i};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, pidfds[i], &ev) != 0) die("epoll_ctl");
        if ((i + 1) % tenth == 0) {
            int64_t now = now_ns();
            printf(" %.0f", tenth * 1e9 / (double) (now - slice_start));
            slice_start = now;
        }
    }
    printf("\n");

    pthread_t thread;
    if (pthread_create(&thread, NULL, reaper, NULL) != 0) die("pthread_create");
    for (long from = 0; from < count; from += batch) {
        long to = from + batch < count ? from + batch : count;
        for (long i = from; i < to; i++) {
            killed_at[i] = now_ns();
            if (syscall(SYS_pidfd_send_signal, pidfds[i], SIGKILL, NULL, 0) != 0) die("pidfd_send_signal");
        }
        for (long i = from; i < to; i++) {
            while (sem_wait(&collected) != 0) {
            }
        }
    }
    pthread_join(thread, NULL);
    for (long i = 0; i < count; i++) {
        printf("%lld\n", (long long) latency[i]);
    }
    return 0;
}
