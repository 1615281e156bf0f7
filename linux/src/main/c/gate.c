/*
 * overseer-gate: what a process of a task with a v2 cgroup runs first, in place of the task's program, until
 * Overseer has written its pid to each of the task's cgroup.procs (glibc before 2.39 cannot spawn straight
 * into a cgroup). It reads the go-ahead from descriptor 3, closes it, and execs its arguments with the
 * environment it was given, untouched. Nothing to read (Overseer died, or could not place the process):
 * exit 125 and nothing runs. See linux/src/main/java/overseer/linux/Gate.java.
 *
 * Built without libc (-nostdlib -static, no dynamic loader, no libc start-up): on a VM that start-up costs
 * more than the rest of the spawn (docs/benchmarks.md §18). Linux on x86_64 and aarch64; elsewhere the build
 * makes no gate and Overseer uses /bin/sh for it.
 */
#if defined(__x86_64__)
#define SYS_READ 0
#define SYS_WRITE 1
#define SYS_CLOSE 3
#define SYS_EXECVE 59
#define SYS_EXIT 60
static long sys3(long n, long a, long b, long c) {
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}
/* The kernel starts us with argc at the stack pointer: hand it to gate() with the stack as the ABI wants it. */
__asm__(".text\n.global _start\n_start:\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall gate\n\thlt\n");
#elif defined(__aarch64__)
#define SYS_READ 63
#define SYS_WRITE 64
#define SYS_CLOSE 57
#define SYS_EXECVE 221
#define SYS_EXIT 93
static long sys3(long n, long a, long b, long c) {
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
}
__asm__(".text\n.global _start\n_start:\n\tmov x0, sp\n\tbl gate\n\tbrk #0\n");
#else
#error "overseer-gate is built for Linux on x86_64 and aarch64 only (Overseer falls back to /bin/sh)"
#endif

#define GATE_FD 3
#define ENOENT 2
#define EINTR 4

static void say(const char *s) {
    long n = 0;
    while (s[n]) {
        n++;
    }
    sys3(SYS_WRITE, 2, (long) s, n);
}

__attribute__((noreturn)) static void leave(int code) {
    for (;;) {
        sys3(SYS_EXIT, code, 0, 0);
    }
}

__attribute__((noreturn, used)) void gate(long *sp) {
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
    long e = sys3(SYS_EXECVE, (long) argv[1], (long) (argv + 1), (long) envp);
    say("overseer-gate: cannot execute ");
    say(argv[1]);
    say(e == -ENOENT ? ": no such file or directory\n" : ": permission denied, or not a program\n");
    leave(e == -ENOENT ? 127 : 126);
}
