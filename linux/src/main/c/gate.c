/*
 * overseer-gate: what a process of a task with a v2 cgroup runs first, in place of the task's program, until
 * Overseer has written its pid to each of the task's cgroup.procs (glibc before 2.39 cannot spawn straight
 * into a cgroup). It reads the go-ahead from descriptor 3, closes it, and execs its arguments with the
 * environment it was given, untouched. Nothing to read (Overseer died, or could not place the process):
 * exit 125 and nothing runs. See linux/src/main/java/overseer/linux/Gate.java.
 */
#include "nolibc.h"

#define GATE_FD 3

__attribute__((noreturn, used)) void entry(long *sp) {
    long argc = sp[0];
    char **argv = (char **) (sp + 1);
    char **envp = argv + argc + 1;
    char go[16];
    long n;
    do {
        n = sys3(SYS_READ, GATE_FD, (long) go, sizeof go);
    } while (n == -EINTR);
    if (n <= 0 || argc < 2) {
        leave(125);
    }
    sys3(SYS_CLOSE, GATE_FD, 0, 0);
    exec_or_leave("overseer-gate", argv + 1, envp);
}
