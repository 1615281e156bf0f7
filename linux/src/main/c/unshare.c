/*
 * overseer-unshare: runs an OCI runtime in a private mount namespace of its own, as
 * `unshare --mount --propagation private` does, but as one static program: util-linux's unshare, then /bin/sh
 * and mount(8) for the cover cost some 5 ms before the runtime's exec on this machine (docs/benchmarks.md §19),
 * and Overseer pays them on every start, exec, kill and delete it asks of the runtime.
 *
 *   overseer-unshare [--cover=DIR] [--create-runs] PROGRAM [ARG...]
 *
 *   --cover=DIR    mount an empty tmpfs over DIR in the new namespace first: crun 1.8 refuses a hybrid cgroup
 *                  host while it sees the v2 mount at /sys/fs/cgroup/unified (DESIGN.md)
 *   --create-runs  the first argument "create" becomes "run" "--detach": conmon always asks the runtime for
 *                  create, which leaves a container waiting for a second run of the runtime to start it
 *
 * Exit 125 when the namespace cannot be made (nothing run), 127/126 when PROGRAM cannot be executed. See
 * oci/src/main/java/overseer/oci/Launcher.java.
 */
#include "nolibc.h"

#define CLONE_NEWNS 0x00020000
#define MS_REC 0x4000
#define MS_PRIVATE 0x40000
#define ARGS_MAX 256

static int starts_with(const char *s, const char *prefix) {
    while (*prefix) {
        if (*s++ != *prefix++) {
            return 0;
        }
    }
    return 1;
}

static int same(const char *a, const char *b) {
    return starts_with(a, b) && a[length(b)] == '\0';
}

__attribute__((noreturn)) static void refuse(const char *what, const char *arg) {
    say("overseer-unshare: ");
    say(what);
    say(arg);
    say("\n");
    leave(125);
}

__attribute__((noreturn, used)) void entry(long *sp) {
    long argc = sp[0];
    char **argv = (char **) (sp + 1);
    char **envp = argv + argc + 1;
    const char *cover = 0;
    int create_runs = 0;
    long i = 1;
    for (; i < argc && starts_with(argv[i], "--"); i++) {
        if (starts_with(argv[i], "--cover=")) {
            cover = argv[i] + 8;
        } else if (same(argv[i], "--create-runs")) {
            create_runs = 1;
        } else {
            refuse("unknown option ", argv[i]);
        }
    }
    if (i >= argc) {
        refuse("no program to run", "");
    }
    long e = sys3(SYS_UNSHARE, CLONE_NEWNS, 0, 0);
    if (e < 0) {
        say_errno("overseer-unshare: unshare(CLONE_NEWNS)", e);
        leave(125);
    }
    e = sys5(SYS_MOUNT, (long) "none", (long) "/", 0, MS_REC | MS_PRIVATE, 0);
    if (e < 0) {
        say_errno("overseer-unshare: making / private", e);
        leave(125);
    }
    if (cover) {
        e = sys5(SYS_MOUNT, (long) "overseer-cover", (long) cover, (long) "tmpfs", 0, (long) "size=4k,mode=755");
        if (e < 0) {
            say("overseer-unshare: mounting the cover over ");
            say_errno(cover, e);
            leave(125);
        }
    }
    char **run = argv + i;
    char *args[ARGS_MAX + 2];
    if (create_runs) {
        long n = 0;
        int done = 0;
        for (char **a = run; *a; a++) {
            if (n >= ARGS_MAX) {
                refuse("too many arguments", "");
            }
            if (!done && a != run && same(*a, "create")) {
                args[n++] = "run";
                args[n++] = "--detach";
                done = 1;
            } else {
                args[n++] = *a;
            }
        }
        args[n] = 0;
        run = args;
    }
    exec_or_leave("overseer-unshare", run, envp);
}
