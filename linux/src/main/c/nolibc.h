/*
 * What Overseer's small programs (gate.c, unshare.c, monitor.c) need of Linux without libc: a few system calls, the entry
 * point, a message on stderr and an exit. They are built -nostdlib -static: no dynamic loader and no libc
 * start-up, which on a VM cost more than the rest of a spawn (docs/benchmarks.md §18). Linux on x86_64 and
 * aarch64; elsewhere the build makes no programs and Overseer uses the shell and util-linux in their place.
 *
 * Each program defines entry(long *sp), called with the stack as the kernel left it: argc, argv, NULL, envp.
 * A library loaded into the JVM (spawn.c) defines NOLIBC_LIBRARY first: it has no entry point of its own.
 */
#if defined(__x86_64__)
#define SYS_READ 0
#define SYS_WRITE 1
#define SYS_CLOSE 3
#define SYS_EXECVE 59
#define SYS_EXIT 60
#define SYS_MOUNT 165
#define SYS_UNSHARE 272
#define SYS_OPENAT 257
#define SYS_FCNTL 72
#define SYS_PIPE2 293
#define SYS_DUP3 292
#define SYS_WAIT4 61
#define SYS_RT_SIGPROCMASK 14
#define SYS_SIGNALFD4 289
#define SYS_PPOLL 271
#define SYS_CLOCK_GETTIME 228
#define SYS_GETPID 39
#define SYS_SETSID 112
#define SYS_PRCTL 157
#define SYS_RENAMEAT2 316
#define SYS_CLONE 56
#define SYS_PIDFD_OPEN 434
#define SYS_RT_SIGACTION 13
#define SYS_SETPGID 109
#define SYS_GETPGID 121
#define SYS_CHDIR 80
#define SYS_IOCTL 16
#define SYS_CLOSE_RANGE 436
#define SYS_CLONE3 435
static inline long sys5(long n, long a, long b, long c, long d, long e) {
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
    return r;
}
#ifndef NOLIBC_LIBRARY
/* The kernel starts us with argc at the stack pointer: hand it to entry() with the stack as the ABI wants it. */
__asm__(".text\n.global _start\n_start:\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall entry\n\thlt\n");
#endif
#elif defined(__aarch64__)
#define SYS_READ 63
#define SYS_WRITE 64
#define SYS_CLOSE 57
#define SYS_EXECVE 221
#define SYS_EXIT 93
#define SYS_MOUNT 40
#define SYS_UNSHARE 97
#define SYS_OPENAT 56
#define SYS_FCNTL 25
#define SYS_PIPE2 59
#define SYS_DUP3 24
#define SYS_WAIT4 260
#define SYS_RT_SIGPROCMASK 135
#define SYS_SIGNALFD4 74
#define SYS_PPOLL 73
#define SYS_CLOCK_GETTIME 113
#define SYS_GETPID 172
#define SYS_SETSID 157
#define SYS_PRCTL 167
#define SYS_RENAMEAT2 276
#define SYS_CLONE 220
#define SYS_PIDFD_OPEN 434
#define SYS_RT_SIGACTION 134
#define SYS_SETPGID 154
#define SYS_GETPGID 155
#define SYS_CHDIR 49
#define SYS_IOCTL 29
#define SYS_CLOSE_RANGE 436
#define SYS_CLONE3 435
static inline long sys5(long n, long a, long b, long c, long d, long e) {
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory");
    return x0;
}
#ifndef NOLIBC_LIBRARY
__asm__(".text\n.global _start\n_start:\n\tmov x0, sp\n\tbl entry\n\tbrk #0\n");
#endif
#else
#error "Overseer's small programs are built for Linux on x86_64 and aarch64 only (Overseer falls back to the shell)"
#endif

#define ENOENT 2
#define EINTR 4

static inline long sys3(long n, long a, long b, long c) {
    return sys5(n, a, b, c, 0, 0);
}

static inline long length(const char *s) {
    long n = 0;
    while (s[n]) {
        n++;
    }
    return n;
}

static inline void say(const char *s) {
    sys3(SYS_WRITE, 2, (long) s, length(s));
}

/* "<name>: <what>: errno N\n" for a failed system call's -errno. */
static inline void say_errno(const char *what, long negative) {
    char digits[24];
    char *p = digits + sizeof digits;
    unsigned long n = (unsigned long) -negative;
    *--p = '\0';
    *--p = '\n';
    do {
        *--p = (char) ('0' + n % 10);
        n /= 10;
    } while (n && p > digits);
    say(what);
    say(": errno ");
    say(p);
}

__attribute__((noreturn)) static inline void leave(int code) {
    for (;;) {
        sys3(SYS_EXIT, code, 0, 0);
    }
}

/* Execs argv[0] with argv and envp; on failure says why and exits 127 (no such file) or 126 (cannot run it). */
__attribute__((noreturn)) static inline void exec_or_leave(const char *self, char **argv, char **envp) {
    long e = sys3(SYS_EXECVE, (long) argv[0], (long) argv, (long) envp);
    say(self);
    say(": cannot execute ");
    say(argv[0]);
    say(e == -ENOENT ? ": no such file or directory\n" : ": permission denied, or not a program\n");
    leave(e == -ENOENT ? 127 : 126);
}
