/*
 * The floor for PauseExitBench's exit -> event latency: the shape of Overseer's native runtime and event bus
 * without the JVM. Each burst spawns SIZE /bin/sleep 1000 processes watched through pidfds on one epoll thread,
 * and the main thread SIGKILLs them all (pidfd_send_signal). The epoll thread collects each exit with
 * waitid(P_PIDFD), notes the time ("observed") and hands it to a reader thread through a queue (a mutex, and a
 * condition signalled after the unlock); the reader notes when it has it ("received"), as a subscriber does.
 * usage: exitfloor BURSTS SIZE [NICE]   (NICE: the victims' niceness, as PauseExitBench --victim-nice)
 * prints: one line per exit, in collection order: observed -> received in ns
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "timing.h" /* now_ns, die, and errno, stdio, stdlib, string, time */

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static int epfd;
static int *pidfds;
static long size;

/* The hand-off: a ring of observed times, as many as one burst has exits. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static pthread_cond_t drained = PTHREAD_COND_INITIALIZER;
static int64_t *queue;
static long queued, taken;
static int64_t *latency;
static long received;

/* Collects one burst's exits and hands each to the reader. */
static void collect_burst(void) {
    struct epoll_event events[256];
    long remaining = size;
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
            int64_t observed = now_ns();
            epoll_ctl(epfd, EPOLL_CTL_DEL, pidfds[idx], NULL);
            close(pidfds[idx]);
            remaining--;
            pthread_mutex_lock(&lock);
            queue[queued++ % size] = observed;
            pthread_mutex_unlock(&lock);
            pthread_cond_signal(&ready);
        }
    }
}

static void *reader(void *unused) {
    (void) unused;
    while (1) {
        pthread_mutex_lock(&lock);
        while (taken == queued) pthread_cond_wait(&ready, &lock);
        int64_t observed = queue[taken++ % size];
        int64_t now = now_ns();
        latency[received++] = now - observed;
        if (taken == queued) pthread_cond_signal(&drained);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static void *collector(void *arg) {
    long bursts = (long) arg;
    for (long b = 0; b < bursts; b++) {
        collect_burst();
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s BURSTS SIZE [NICE]\n", argv[0]);
        return 64;
    }
    long bursts = atol(argv[1]);
    size = atol(argv[2]);
    int nice_value = argc == 4 ? atoi(argv[3]) : 0;
    if (bursts < 1 || size < 1 || size > 100000) {
        fprintf(stderr, "BURSTS and SIZE must be positive (SIZE at most 100000)\n");
        return 64;
    }
    pidfds = calloc(size, sizeof *pidfds);
    queue = calloc(size, sizeof *queue);
    latency = calloc(bursts * size, sizeof *latency);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1");

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    char nice_arg[16];
    snprintf(nice_arg, sizeof nice_arg, "%d", nice_value);
    char *plain[] = {"/bin/sleep", "1000", NULL};
    char *niced[] = {"/usr/bin/nice", "-n", nice_arg, "/bin/sleep", "1000", NULL};
    char **args = nice_value == 0 ? plain : niced;
    char *envp[] = {NULL};

    pthread_t read_thread, collect_thread;
    if (pthread_create(&read_thread, NULL, reader, NULL) != 0) die("pthread_create");
    if (pthread_create(&collect_thread, NULL, collector, (void *) bursts) != 0) die("pthread_create");
    for (long b = 0; b < bursts; b++) {
        for (long i = 0; i < size; i++) {
            pid_t pid;
            int rc = posix_spawn(&pid, args[0], &actions, NULL, args, envp);
            if (rc != 0) {
                errno = rc;
                die("posix_spawn");
            }
            pidfds[i] = (int) syscall(SYS_pidfd_open, pid, 0);
            if (pidfds[i] < 0) die("pidfd_open");
        }
        for (long i = 0; i < size; i++) {
            struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t) i};
            if (epoll_ctl(epfd, EPOLL_CTL_ADD, pidfds[i], &ev) != 0) die("epoll_ctl");
        }
        for (long i = 0; i < size; i++) {
            if (syscall(SYS_pidfd_send_signal, pidfds[i], SIGKILL, NULL, 0) != 0) die("pidfd_send_signal");
        }
        pthread_mutex_lock(&lock);
        while (received < (b + 1) * size) pthread_cond_wait(&drained, &lock);
        pthread_mutex_unlock(&lock);
    }
    pthread_join(collect_thread, NULL);
    for (long i = 0; i < bursts * size; i++) {
        printf("%lld\n", (long long) latency[i]);
    }
    return 0;
}
