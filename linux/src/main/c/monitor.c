/*
 * overseer-monitor: the monitor of one process of an isolated task, in place of conmon where the process has no
 * terminal and no stdin. It keeps conmon's contract with Overseer (oci/src/main/java/overseer/oci/Monitor.java):
 * the same sync-pipe line, pid files, k8s-file log, exit file and OOM marker, so everything that reads them
 * after a restart of Overseer reads either monitor's. conmon is dynamically linked against glib and costs some
 * 4 ms from its exec to the runtime's on this machine; this is one static program (docs/benchmarks.md §20).
 *
 *   overseer-monitor --monitor-pid-file=P --pid-file=P --exit-file=F [--log=F --log-size-max=N]
 *                    [--oom-file=F --oom-counter=F...] -- RUNTIME [ARG...]
 *
 * It forks away (the first process exits 0 at once, as conmon's does), starts a session, becomes the subreaper
 * of what the runtime leaves, and runs RUNTIME ARG... with the process's stdout and stderr on pipes (or
 * /dev/null without --log). The runtime detaches: it writes the process's pid into --pid-file and exits, and
 * the process becomes this monitor's child. Then, on fd 3, one JSON line: {"data": PID}, or
 * {"data": -1, "message": "..."} when the runtime failed. Output becomes k8s-file lines
 * ("TIME stdout F text"; P for a read that did not end a line); past --log-size-max a new log file replaces the
 * old one. When the process ends: its status (exit code, or 128+n for signal n) in --exit-file, written
 * whole (a rename); --oom-file created first if an "oom_kill N" line of an --oom-counter file grew meanwhile.
 */
#include "nolibc.h"

#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_CLOEXEC 02000000
#define AT_FDCWD (-100)
#define F_SETFD 2
#define F_SETFL 4
#define FD_CLOEXEC 1
#define SIG_BLOCK 0
#define SIG_SETMASK 2
#define SIGCHLD 17
#define SIGPIPE 13
#define SFD_NONBLOCK 04000
#define SFD_CLOEXEC 02000000
#define PR_SET_CHILD_SUBREAPER 36
#define WNOHANG 1
#define POLLIN 1
#define POLLHUP 0x10
#define EAGAIN 11
#define CLOCK_REALTIME 0
#define OOM_COUNTERS 8
#define BUF 8192

struct pollfd {
    int fd;
    short events;
    short revents;
};

struct timespec {
    long sec;
    long nsec;
};

static const char *pid_file, *monitor_pid_file, *exit_file, *log_path, *oom_file;
static const char *oom_counter[OOM_COUNTERS];
static long oom_before[OOM_COUNTERS];
static int oom_counters;
static long log_size_max = 1L << 62;
static long log_written;
static int log_fd = -1;
static const char *const STREAMS[2] = {"stdout", "stderr"};

static int starts_with(const char *s, const char *prefix) {
    while (*prefix) {
        if (*s++ != *prefix++) {
            return 0;
        }
    }
    return 1;
}

__attribute__((noreturn)) static void fail(const char *what, long e) {
    say("overseer-monitor: ");
    say_errno(what, e);
    leave(125);
}

static long number(const char *s) {
    long n = 0;
    while (*s >= '0' && *s <= '9') {
        n = n * 10 + (*s++ - '0');
    }
    return n;
}

/* Decimal digits of n (n >= 0) ending at end; returns where they start. */
static char *digits(char *end, unsigned long n, int width) {
    char *p = end;
    do {
        *--p = (char) ('0' + n % 10);
        n /= 10;
    } while (n || end - p < width);
    return p;
}

static long write_all(int fd, const char *b, long n) {
    long done = 0;
    while (done < n) {
        long w = sys3(SYS_WRITE, fd, (long) (b + done), n - done);
        if (w == -EINTR) {
            continue;
        }
        if (w < 0) {
            return w;
        }
        done += w;
    }
    return done;
}

static int create(const char *path, int flags) {
    return (int) sys5(SYS_OPENAT, AT_FDCWD, (long) path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0600, 0);
}

/* path + suffix into buf (which holds 4096 bytes). */
static const char *with_suffix(char *buf, const char *path, const char *suffix) {
    long n = 0;
    for (const char *s = path; *s && n < 4000; s++) {
        buf[n++] = *s;
    }
    for (const char *s = suffix; *s; s++) {
        buf[n++] = *s;
    }
    buf[n] = '\0';
    return buf;
}

/* Writes text into path whole: a reader sees the old file, none, or all of the new one. */
static void replace_file(const char *path, const char *text, long n) {
    char tmp[4096];
    with_suffix(tmp, path, ".tmp");
    int fd = create(tmp, O_TRUNC);
    if (fd < 0) {
        fail(tmp, fd);
    }
    write_all(fd, text, n);
    sys3(SYS_CLOSE, fd, 0, 0);
    long e = sys5(SYS_RENAMEAT2, AT_FDCWD, (long) tmp, AT_FDCWD, (long) path, 0);
    if (e < 0) {
        fail(path, e);
    }
}

static void write_number_file(const char *path, long n) {
    char b[24];
    char *end = b + sizeof b;
    char *p = digits(end, (unsigned long) (n < 0 ? -n : n), 1);
    if (n < 0) {
        *--p = '-';
    }
    replace_file(path, p, end - p);
}

/* The value of the "oom_kill N" line of a cgroup's memory.oom_control (v1) or memory.events (v2); 0 if none. */
static long oom_kills(const char *path) {
    char b[4096];
    int fd = (int) sys5(SYS_OPENAT, AT_FDCWD, (long) path, O_RDONLY | O_CLOEXEC, 0, 0);
    if (fd < 0) {
        return 0;
    }
    long n = sys3(SYS_READ, fd, (long) b, sizeof b - 1);
    sys3(SYS_CLOSE, fd, 0, 0);
    if (n <= 0) {
        return 0;
    }
    b[n] = '\0';
    for (char *line = b; *line; ) {
        if (starts_with(line, "oom_kill ")) {
            return number(line + 9);
        }
        while (*line && *line != '\n') {
            line++;
        }
        if (*line) {
            line++;
        }
    }
    return 0;
}

static void sync_line(int fd, long pid, const char *message, long message_length) {
    char b[BUF + 64];
    long n = 0;
    const char *head = "{\"data\": ";
    for (const char *s = head; *s; s++) {
        b[n++] = *s;
    }
    if (pid < 0) {
        b[n++] = '-';
        b[n++] = '1';
        const char *m = ", \"message\": \"";
        for (const char *s = m; *s; s++) {
            b[n++] = *s;
        }
        for (long i = 0; i < message_length && n < BUF; i++) {
            char c = message[i];
            if (c == '"' || c == '\\') {
                b[n++] = '\\';
            } else if ((unsigned char) c < 0x20) {
                c = ' ';
            }
            b[n++] = c;
        }
        b[n++] = '"';
    } else {
        char d[24];
        char *end = d + sizeof d;
        for (char *p = digits(end, (unsigned long) pid, 1); p < end; p++) {
            b[n++] = *p;
        }
    }
    b[n++] = '}';
    b[n++] = '\n';
    write_all(fd, b, n);
    sys3(SYS_CLOSE, fd, 0, 0);
}

/* "2026-12-02T03:55:00.123456789Z" (30 bytes) into b: civil date from days, as in Hinnant's algorithm. */
static void timestamp(char *b) {
    struct timespec t;
    sys3(SYS_CLOCK_GETTIME, CLOCK_REALTIME, (long) &t, 0);
    long days = t.sec / 86400, secs = t.sec % 86400;
    long z = days + 719468, era = z / 146097, doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    long day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9, year = yoe + era * 400 + (month <= 2);
    long field[] = {year, month, day, secs / 3600, secs / 60 % 60, secs % 60, t.nsec};
    int width[] = {4, 2, 2, 2, 2, 2, 9};
    const char *after = "--T::.Z";
    char *p = b;
    for (int i = 0; i < 7; i++) {
        char d[24];
        char *end = d + sizeof d;
        for (char *q = digits(end, (unsigned long) field[i], width[i]); q < end; q++) {
            *p++ = *q;
        }
        *p++ = after[i];
    }
}

static void open_log(void) {
    char tmp[4096];
    with_suffix(tmp, log_path, ".tmp");
    int fd = create(tmp, O_TRUNC | O_APPEND);
    if (fd < 0) {
        fail(tmp, fd);
    }
    long e = sys5(SYS_RENAMEAT2, AT_FDCWD, (long) tmp, AT_FDCWD, (long) log_path, 0);
    if (e < 0) {
        fail(log_path, e);
    }
    if (log_fd >= 0) {
        sys3(SYS_CLOSE, log_fd, 0, 0);
    }
    log_fd = fd;
    log_written = 0;
}

static char out[8 * BUF];
static long out_fill;

static void flush_log(void) {
    if (out_fill == 0) {
        return;
    }
    if (log_written + out_fill > log_size_max) {
        open_log(); // as conmon does: a new file, which Overseer's reader tells from the old by its inode
    }
    if (write_all(log_fd, out, out_fill) > 0) {
        log_written += out_fill;
    }
    out_fill = 0;
}

/* One k8s-file line: TIME STREAM F|P TEXT\n. */
static void log_line(const char *stream, const char *text, long n, int full) {
    if (out_fill + n + 48 > (long) sizeof out) {
        flush_log();
    }
    timestamp(out + out_fill);
    out_fill += 30;
    out[out_fill++] = ' ';
    for (const char *s = stream; *s; s++) {
        out[out_fill++] = *s;
    }
    out[out_fill++] = ' ';
    out[out_fill++] = full ? 'F' : 'P';
    out[out_fill++] = ' ';
    for (long i = 0; i < n; i++) {
        out[out_fill++] = text[i];
    }
    out[out_fill++] = '\n';
}

/* Reads what one pipe holds now into the log; 0 at its end (every writer gone), else 1. */
static int pump(int fd, const char *stream) {
    char b[BUF];
    for (;;) {
        long n = sys3(SYS_READ, fd, (long) b, sizeof b);
        if (n == -EINTR) {
            continue;
        }
        if (n == -EAGAIN) {
            flush_log();
            return 1;
        }
        if (n <= 0) {
            flush_log();
            return 0;
        }
        long from = 0;
        for (long i = 0; i < n; i++) {
            if (b[i] == '\n') {
                log_line(stream, b + from, i - from, 1);
                from = i + 1;
            }
        }
        if (from < n) {
            log_line(stream, b + from, n - from, 0);
        }
    }
}

static long read_pid(void) {
    char b[32];
    int fd = (int) sys5(SYS_OPENAT, AT_FDCWD, (long) pid_file, O_RDONLY | O_CLOEXEC, 0, 0);
    if (fd < 0) {
        return -1;
    }
    long n = sys3(SYS_READ, fd, (long) b, sizeof b - 1);
    sys3(SYS_CLOSE, fd, 0, 0);
    if (n <= 0) {
        return -1;
    }
    b[n] = '\0';
    long pid = number(b);
    return pid > 0 ? pid : -1;
}

static int status_of(int wstatus) {
    int sig = wstatus & 0x7f;
    return sig == 0 ? (wstatus >> 8) & 0xff : 128 + sig;
}

/*
 * Copies the output until process pid ends, and returns its status. The process becomes this monitor's child
 * when the last of the runtime's processes ends (a helper of the runtime may be its parent for a while); where
 * the runtime reaped it first, its status is nobody's to read: -1, Overseer's unknown exit, never a guess. A
 * pidfd tells that apart: readable once the process ended, hung up once whoever was its parent reaped it.
 */
static int watch(long pid, int sfd, int pipes[2][2], int live[2]) {
    int pidfd = (int) sys3(SYS_PIDFD_OPEN, pid, 0, 0);
    if (pidfd < 0) {
        return -1; // reaped already, and not here
    }
    short want = POLLIN;
    for (;;) {
        int w;
        long r;
        while ((r = sys5(SYS_WAIT4, -1, (long) &w, WNOHANG, 0, 0)) > 0) {
            if (r == pid) {
                sys3(SYS_CLOSE, pidfd, 0, 0);
                return status_of(w);
            }
        }
        struct pollfd p[4] = {{sfd, POLLIN, 0}, {pidfd, want, 0}, {-1, POLLIN, 0}, {-1, POLLIN, 0}};
        for (int s = 0; s < 2; s++) {
            p[2 + s].fd = live[s] ? pipes[s][0] : -1; // poll skips a negative fd
        }
        long e = sys5(SYS_PPOLL, (long) p, 4, 0, 0, 0);
        if (e == -EINTR) {
            continue;
        }
        if (e < 0) {
            fail("poll", e);
        }
        for (int s = 0; s < 2; s++) {
            if (live[s] && !pump(pipes[s][0], STREAMS[s])) {
                live[s] = 0;
            }
        }
        char info[128];
        while (sys3(SYS_READ, sfd, (long) info, sizeof info) > 0) {
        }
        if (p[1].revents & POLLHUP) {
            while ((r = sys5(SYS_WAIT4, -1, (long) &w, WNOHANG, 0, 0)) > 0) {
                if (r == pid) {
                    return status_of(w);
                }
            }
            return -1;
        }
        if (p[1].revents & POLLIN) {
            want = 0; // ended: it comes to this monitor with a SIGCHLD, or its parent reaps it (a hang-up)
        }
    }
}

__attribute__((noreturn, used)) void entry(long *sp) {
    long argc = sp[0];
    char **argv = (char **) (sp + 1);
    char **envp = argv + argc + 1;
    long i = 1;
    for (; i < argc && !(argv[i][0] == '-' && argv[i][1] == '-' && argv[i][2] == '\0'); i++) {
        char *a = argv[i];
        if (starts_with(a, "--pid-file=")) {
            pid_file = a + 11;
        } else if (starts_with(a, "--monitor-pid-file=")) {
            monitor_pid_file = a + 19;
        } else if (starts_with(a, "--exit-file=")) {
            exit_file = a + 12;
        } else if (starts_with(a, "--log=")) {
            log_path = a + 6;
        } else if (starts_with(a, "--log-size-max=")) {
            log_size_max = number(a + 15);
        } else if (starts_with(a, "--oom-file=")) {
            oom_file = a + 11;
        } else if (starts_with(a, "--oom-counter=")) {
            if (oom_counters < OOM_COUNTERS) {
                oom_counter[oom_counters++] = a + 14;
            }
        } else {
            say("overseer-monitor: unknown option ");
            say(a);
            say("\n");
            leave(125);
        }
    }
    if (i + 1 >= argc || !pid_file || !monitor_pid_file || !exit_file) {
        say("overseer-monitor: --pid-file, --monitor-pid-file, --exit-file, -- and a runtime are required\n");
        leave(125);
    }
    char **runtime = argv + i + 1;
    sys3(SYS_FCNTL, 3, F_SETFD, FD_CLOEXEC); // the sync pipe is for Overseer alone, not the runtime's
    long child = sys5(SYS_CLONE, SIGCHLD, 0, 0, 0, 0);
    if (child < 0) {
        fail("fork", child);
    }
    if (child > 0) {
        leave(0); // Overseer waits for this exit, then reads the sync pipe
    }
    sys3(SYS_SETSID, 0, 0, 0);
    sys5(SYS_PRCTL, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    write_number_file(monitor_pid_file, sys3(SYS_GETPID, 0, 0, 0));
    unsigned long mask = (1UL << (SIGCHLD - 1)) | (1UL << (SIGPIPE - 1));
    sys5(SYS_RT_SIGPROCMASK, SIG_BLOCK, (long) &mask, 0, 8, 0);
    unsigned long chld = 1UL << (SIGCHLD - 1);
    int sfd = (int) sys5(SYS_SIGNALFD4, -1, (long) &chld, 8, SFD_NONBLOCK | SFD_CLOEXEC, 0);
    if (sfd < 0) {
        fail("signalfd", sfd);
    }
    int pipes[2][2] = {{-1, -1}, {-1, -1}};
    if (log_path) {
        for (int s = 0; s < 2; s++) {
            long e = sys3(SYS_PIPE2, (long) pipes[s], O_CLOEXEC, 0);
            if (e < 0) {
                fail("pipe", e);
            }
        }
        open_log();
    }
    // Before the runtime runs: an init's cgroup does not exist yet (0), an exec's counts what came before it.
    for (int k = 0; k < oom_counters; k++) {
        oom_before[k] = oom_kills(oom_counter[k]);
    }
    long rt = sys5(SYS_CLONE, SIGCHLD, 0, 0, 0, 0);
    if (rt < 0) {
        fail("fork", rt);
    }
    if (rt == 0) {
        unsigned long none = 0;
        sys5(SYS_RT_SIGPROCMASK, SIG_SETMASK, (long) &none, 0, 8, 0);
        int null = (int) sys5(SYS_OPENAT, AT_FDCWD, (long) "/dev/null", O_RDWR | O_CLOEXEC, 0, 0);
        sys3(SYS_DUP3, null, 0, 0); // dup3's copies are not close-on-exec: only 0-2 reach the runtime
        sys3(SYS_DUP3, log_path ? pipes[0][1] : null, 1, 0);
        sys3(SYS_DUP3, log_path ? pipes[1][1] : null, 2, 0);
        exec_or_leave("overseer-monitor", runtime, envp);
    }
    int sync = 3;
    if (log_path) {
        for (int s = 0; s < 2; s++) {
            sys3(SYS_CLOSE, pipes[s][1], 0, 0);
            sys3(SYS_FCNTL, pipes[s][0], F_SETFL, O_NONBLOCK);
        }
    }
    // The runtime returns once the process runs (or could not be started). Reaped meanwhile: the process, if it
    // ended that soon, and the runtime's own helpers.
    long reaped[64];
    int reaped_status[64];
    int reaped_count = 0;
    for (;;) {
        int w;
        long r = sys5(SYS_WAIT4, -1, (long) &w, 0, 0, 0);
        if (r == -EINTR) {
            continue;
        }
        if (r < 0) {
            fail("wait", r);
        }
        if (r == rt) {
            if (status_of(w) != 0) {
                char b[BUF];
                long n = 0;
                if (log_path) {
                    long m = sys3(SYS_READ, pipes[1][0], (long) b, sizeof b);
                    n = m > 0 ? m : 0;
                }
                sync_line(sync, -1, b, n);
                leave(1);
            }
            break;
        }
        if (reaped_count < 64) {
            reaped[reaped_count] = r;
            reaped_status[reaped_count++] = status_of(w);
        }
    }
    long pid = read_pid();
    if (pid < 0) {
        sync_line(sync, -1, "the runtime wrote no pid file", 29);
        leave(1);
    }
    sync_line(sync, pid, 0, 0);
    // Overseer has what it needs; its stderr pipe is not this monitor's to keep.
    int null = (int) sys5(SYS_OPENAT, AT_FDCWD, (long) "/dev/null", O_RDWR | O_CLOEXEC, 0, 0);
    for (int fd = 0; fd < 3; fd++) {
        sys3(SYS_DUP3, null, fd, 0);
    }
    int status = -1;
    int ended = 0;
    for (int k = 0; k < reaped_count; k++) {
        if (reaped[k] == pid) {
            status = reaped_status[k];
            ended = 1;
        }
    }
    int live[2] = {log_path != 0, log_path != 0};
    if (!ended) {
        status = watch(pid, sfd, pipes, live);
    }
    // What the process wrote before it ended is in the pipes; a child it left may hold them open: read what is
    // there, not up to their end.
    for (int s = 0; s < 2; s++) {
        if (live[s]) {
            pump(pipes[s][0], STREAMS[s]);
        }
    }
    flush_log();
    int oom = 0;
    for (int k = 0; k < oom_counters; k++) {
        oom |= oom_kills(oom_counter[k]) > oom_before[k];
    }
    if (oom && oom_file) {
        replace_file(oom_file, "", 0);
    }
    write_number_file(exit_file, status);
    leave(0);
}
