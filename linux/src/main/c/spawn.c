/*
 * libspawn: posix_spawn with the one thing glibc 2.36's lacks, a child born inside a v2 cgroup (clone3's
 * CLONE_INTO_CGROUP, Linux 5.7; glibc has it from 2.39 as posix_spawnattr_setcgroup_np). Writing a pid to
 * cgroup.procs instead takes the kernel's global threadgroup rwsem for writing, which waits for an RCU grace
 * period whenever it has been idle: 12-20 ms per start on a default host (docs/benchmarks.md §17, §22). A
 * child cloned into its cgroup takes that rwsem for reading only, and needs no gate to wait behind.
 *
 * Loaded into the JVM (linux/src/main/java/overseer/linux/LibC.java, CloneSpawn.java), not run. The child
 * shares the JVM's memory (CLONE_VM) until it execs, the calling thread waiting meanwhile (CLONE_VFORK), as
 * glibc's posix_spawn does: so it runs on a stack of its own, with every signal blocked, and makes raw
 * system calls only (no libc, no errno, no thread-local storage). It carries out the same steps as glibc, in
 * the same order: every signal to its default action, the new session or group, the file actions, the empty
 * signal mask, the exec. x86_64 only: elsewhere the build makes no library and Overseer gates.
 */
#define NOLIBC_LIBRARY
#include "nolibc.h"

#if !defined(__x86_64__)
#error "libspawn's clone trampoline is written for x86_64 only (elsewhere Overseer uses posix_spawn and a gate)"
#endif

#define CLONE_VM 0x00000100UL
#define CLONE_FILES 0x00000400UL
#define CLOSE_RANGE_UNSHARE 2U
#define CLONE_VFORK 0x00004000UL
#define CLONE_INTO_CGROUP 0x200000000UL
#define SIGCHLD 17
#define SIGKILL 9
#define SIGSTOP 19
#define SIG_SETMASK 2
#define AT_FDCWD (-100)
#define F_GETFD 1
#define F_SETFD 2
#define FD_CLOEXEC 1
#define TIOCSPGRP 0x5410
#define STACK_SIZE 32768

/* One step on the child's descriptors; the Java side (CloneSpawn) writes an array of these. */
enum kind { OPEN = 1, DUP2 = 2, CHDIR = 3, TAKE_TERMINAL = 4, CLOSE_FROM = 5 };
struct action {
    int kind;
    int fd;     /* OPEN, TAKE_TERMINAL, CLOSE_FROM: the descriptor; DUP2: the target */
    int from;   /* DUP2: the source */
    int flags;  /* OPEN: open(2)'s flags, created files 0600 */
    const char *path;
};

enum group { INHERIT = 0, NEW_GROUP = 1, NEW_SESSION = 2 };

struct request {
    const char *path;
    char *const *argv;
    char *const *envp;
    const struct action *actions;
    int count;
    int group;
    int share_below;
    volatile int err; /* the child's errno where it failed; 0 if it exec'd */
};

struct clone_args {
    unsigned long flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
            cgroup;
};

struct kernel_sigaction {
    unsigned long handler, flags, restorer, mask;
};

static inline long sys2(long n, long a, long b) {
    return sys5(n, a, b, 0, 0, 0);
}

static inline long sys4(long n, long a, long b, long c, long d) {
    return sys5(n, a, b, c, d, 0);
}

static long do_action(const struct action *a) {
    long r;
    switch (a->kind) {
    case OPEN:
        r = sys4(SYS_OPENAT, AT_FDCWD, (long) a->path, a->flags, 0600);
        if (r < 0 || r == a->fd) {
            return r;
        }
        {
            long d = sys3(SYS_DUP3, r, a->fd, 0);
            sys3(SYS_CLOSE, r, 0, 0);
            return d;
        }
    case DUP2:
        if (a->from != a->fd) {
            return sys3(SYS_DUP3, a->from, a->fd, 0);
        }
        /* As glibc: a descriptor dup'ed onto itself stays open across the exec. */
        r = sys3(SYS_FCNTL, a->fd, F_GETFD, 0);
        return r < 0 ? r : sys3(SYS_FCNTL, a->fd, F_SETFD, r & ~FD_CLOEXEC);
    case CHDIR:
        return sys3(SYS_CHDIR, (long) a->path, 0, 0);
    case TAKE_TERMINAL: {
        int group = (int) sys3(SYS_GETPGID, 0, 0, 0);
        return sys3(SYS_IOCTL, a->fd, TIOCSPGRP, (long) &group);
    }
    case CLOSE_FROM:
        return sys3(SYS_CLOSE_RANGE, a->fd, ~0U, 0);
    default:
        return -22; /* EINVAL */
    }
}

/* What the child runs, on its own stack, every signal blocked; it returns only the exit code of a failure. */
__attribute__((used)) static int child(struct request *q) {
    struct kernel_sigaction dfl = {0, 0, 0, 0};
    unsigned long none = 0;
    long r = 0;
    if (q->share_below >= 0) {
        /* Born sharing the JVM's descriptor table: its own copy now, of the descriptors below share_below alone. */
        r = sys3(SYS_CLOSE_RANGE, q->share_below, ~0U, CLOSE_RANGE_UNSHARE);
    }
    for (int s = 1; r >= 0 && s <= 64; s++) {
        if (s != SIGKILL && s != SIGSTOP) {
            sys4(SYS_RT_SIGACTION, s, (long) &dfl, 0, sizeof(unsigned long));
        }
    }
    if (q->group == NEW_SESSION) {
        r = sys3(SYS_SETSID, 0, 0, 0);
    } else if (q->group == NEW_GROUP) {
        r = sys2(SYS_SETPGID, 0, 0);
    }
    for (int i = 0; r >= 0 && i < q->count; i++) {
        r = do_action(&q->actions[i]);
    }
    if (r >= 0) {
        sys4(SYS_RT_SIGPROCMASK, SIG_SETMASK, (long) &none, 0, sizeof none);
        r = sys3(SYS_EXECVE, (long) q->path, (long) q->argv, (long) q->envp);
    }
    q->err = (int) -r;
    return 127;
}

/*
 * clone3, and in the child (on the new stack) child(q) then _exit. Every register but rax, rcx and r11 comes
 * through the system call unchanged in both processes, so the child finds q in r12.
 */
static long clone3_child(struct clone_args *args, struct request *q) {
    long r;
    register long r12 __asm__("r12") = (long) q;
    __asm__ volatile(
            "syscall\n\t"
            "test %%rax, %%rax\n\t"
            "jnz 1f\n\t"
            "xor %%ebp, %%ebp\n\t"
            "mov %%r12, %%rdi\n\t"
            "call child\n\t"
            "mov %%eax, %%edi\n\t"
            "mov $60, %%eax\n\t"
            "syscall\n\t"
            "hlt\n"
            "1:\n"
            : "=a"(r)
            : "a"((long) SYS_CLONE3), "D"(args), "S"(sizeof *args), "r"(r12)
            : "rcx", "r11", "memory");
    return r;
}

/*
 * Spawns path with argv and envp, the actions done in order in the child, into the v2 cgroup open as
 * cgroup_fd (-1: the caller's). Returns the child's pid; or -errno, with *in_child 1 when the child failed
 * (it was reaped: nothing is left of it) and 0 when clone3 itself refused.
 *
 * share_below >= 0: the child does not copy the caller's descriptor table at its birth, which costs a
 * reference per open descriptor (a daemon holds several per task: 0.1 ms per thousand); it shares it
 * (CLONE_FILES) and first thing takes a copy of the descriptors below share_below alone, which must be all its
 * actions read. -1: the whole table is copied, as fork does.
 */
__attribute__((visibility("default"))) long overseer_spawn(const char *path, char *const *argv, char *const *envp,
                                                           const struct action *actions, int count, int group,
                                                           int cgroup_fd, int share_below, int *in_child) {
    char stack[STACK_SIZE] __attribute__((aligned(16)));
    struct request q;
    struct clone_args args;
    unsigned long all = ~0UL, old = 0;
    long pid;
    q.path = path;
    q.argv = argv;
    q.envp = envp;
    q.actions = actions;
    q.count = count;
    q.group = group;
    q.share_below = share_below;
    q.err = 0;
    args.flags = CLONE_VM | CLONE_VFORK | (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0) | (share_below >= 0 ? CLONE_FILES : 0);
    args.pidfd = 0;
    args.child_tid = 0;
    args.parent_tid = 0;
    args.exit_signal = SIGCHLD;
    args.stack = (unsigned long) stack;
    args.stack_size = sizeof stack;
    args.tls = 0;
    args.set_tid = 0;
    args.set_tid_size = 0;
    args.cgroup = cgroup_fd >= 0 ? (unsigned long) cgroup_fd : 0;
    *in_child = 0;
    /* No handler of the JVM's may run in the child, which shares its memory: it starts with every signal blocked. */
    sys4(SYS_RT_SIGPROCMASK, SIG_SETMASK, (long) &all, (long) &old, sizeof all);
    pid = clone3_child(&args, &q);
    sys4(SYS_RT_SIGPROCMASK, SIG_SETMASK, (long) &old, 0, sizeof old);
    if (pid < 0 || q.err == 0) {
        return pid;
    }
    while (sys4(SYS_WAIT4, pid, 0, 0, 0) == -EINTR) {
    }
    *in_child = 1;
    return -q.err;
}
