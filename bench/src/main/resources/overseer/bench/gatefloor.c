/*
 * The cost of a gate, without a JVM: spawn + wait of /bin/true behind overseer-gate, behind the /bin/sh gate
 * script Overseer used before it, and with no gate, interleaved round by round so that a noisy moment lands
 * on all three. Each gated child gets its go-ahead on descriptor 3 as soon as posix_spawn returns (no cgroup
 * placement here: what is measured is what the gate itself costs).
 *
 *   gatefloor GATE ROUNDS PER-ROUND
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static const char *SCRIPT = "read -r gate <&3 || exit 125; unset PWD; exec 3<&- \"$@\"";

#include "timing.h"

/* One spawn + wait; gated: with a pipe on fd 3 that gets "go\n" once posix_spawn returns. */
static double once(char *const argv[], int gated) {
    char *env[] = {NULL};
    int go[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", 0, 0);
    if (gated) {
        if (pipe2(go, O_CLOEXEC) != 0) {
            perror("pipe2");
            exit(1);
        }
        posix_spawn_file_actions_adddup2(&fa, go[0], 3);
    }
    double t0 = now_us();
    pid_t pid;
    if (posix_spawn(&pid, argv[0], &fa, NULL, argv, env) != 0) {
        perror("posix_spawn");
        exit(1);
    }
    if (gated) {
        close(go[0]);
        if (write(go[1], "go\n", 3) != 3) {
            perror("write");
            exit(1);
        }
        close(go[1]);
    }
    int status;
    waitpid(pid, &status, 0);
    double t = now_us() - t0;
    posix_spawn_file_actions_destroy(&fa);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s ended with status %d\n", argv[0], status);
        exit(1);
    }
    return t;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: gatefloor GATE ROUNDS PER-ROUND\n");
        return 64;
    }
    int rounds = atoi(argv[2]), per = atoi(argv[3]), n = rounds * per;
    char *native[] = {argv[1], "/bin/true", NULL};
    char *shell[] = {"/bin/sh", "-c", (char *) SCRIPT, "overseer-gate", "/bin/true", NULL};
    char *plain[] = {"/bin/true", NULL};
    double *t[3];
    for (int k = 0; k < 3; k++) {
        t[k] = calloc(n, sizeof(double));
    }
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < per; i++) {
            int at = r * per + i;
            t[0][at] = once(native, 1);
            t[1][at] = once(shell, 1);
            t[2][at] = once(plain, 0);
        }
    }
    const char *names[] = {"overseer-gate, then /bin/true", "/bin/sh gate, then /bin/true", "/bin/true, no gate"};
    double median[3];
    for (int k = 0; k < 3; k++) {
        qsort(t[k], n, sizeof(double), cmp);
        median[k] = t[k][n / 2];
        printf("%-32s p50 %7.1f us  p90 %7.1f us  (n=%d)\n", names[k], median[k], t[k][n * 9 / 10], n);
    }
    printf("gate's own cost at the median: overseer-gate %.1f us, /bin/sh %.1f us\n", median[0] - median[2],
           median[1] - median[2]);
    return 0;
}
