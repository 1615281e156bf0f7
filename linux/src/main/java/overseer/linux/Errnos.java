package overseer.linux;

import java.util.Map;

/** The errno values Overseer tests for or reports, by name (Linux numbering, the same on x86_64 and aarch64). */
final class Errnos {
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int ESRCH = 3;
    static final int EINTR = 4;
    static final int EIO = 5;
    static final int E2BIG = 7;
    static final int ENOEXEC = 8;
    static final int EBADF = 9;
    static final int ECHILD = 10;
    static final int EAGAIN = 11;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int EFAULT = 14;
    static final int EBUSY = 16;
    static final int EEXIST = 17;
    static final int ENOTDIR = 20;
    static final int EISDIR = 21;
    static final int EINVAL = 22;
    static final int ENFILE = 23;
    static final int EMFILE = 24;
    static final int ETXTBSY = 26;
    static final int ENOSPC = 28;
    static final int EPIPE = 32;
    static final int ENAMETOOLONG = 36;
    static final int ENOSYS = 38;
    static final int ELOOP = 40;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(EPERM, "EPERM"), Map.entry(ENOENT, "ENOENT"), Map.entry(ESRCH, "ESRCH"), Map.entry(EINTR, "EINTR"),
            Map.entry(EIO, "EIO"), Map.entry(E2BIG, "E2BIG"), Map.entry(ENOEXEC, "ENOEXEC"), Map.entry(EBADF, "EBADF"),
            Map.entry(ECHILD, "ECHILD"), Map.entry(EAGAIN, "EAGAIN"), Map.entry(ENOMEM, "ENOMEM"), Map.entry(EACCES, "EACCES"),
            Map.entry(EFAULT, "EFAULT"), Map.entry(EBUSY, "EBUSY"), Map.entry(EEXIST, "EEXIST"), Map.entry(ENOTDIR, "ENOTDIR"),
            Map.entry(EISDIR, "EISDIR"), Map.entry(EINVAL, "EINVAL"), Map.entry(ENFILE, "ENFILE"), Map.entry(EMFILE, "EMFILE"),
            Map.entry(ETXTBSY, "ETXTBSY"), Map.entry(ENOSPC, "ENOSPC"), Map.entry(EPIPE, "EPIPE"),
            Map.entry(ENAMETOOLONG, "ENAMETOOLONG"), Map.entry(ENOSYS, "ENOSYS"), Map.entry(ELOOP, "ELOOP"));

    private Errnos() {
    }

    static String name(int errno) {
        return NAMES.getOrDefault(errno, "errno " + errno);
    }

    /** "ENOENT (No such file or directory)": the name to search for and the C library's words for it. */
    static String describe(int errno) {
        return name(errno) + " (" + LibC.strerror(errno) + ")";
    }

    /**
     * Whether a failed exec means the program itself cannot be run (missing, not executable, not a program,
     * a bad path): the caller's mistake, not the host's trouble.
     */
    static boolean badProgram(int errno) {
        return switch (errno) {
            case ENOENT, EACCES, ENOEXEC, ENOTDIR, EISDIR, ELOOP, ENAMETOOLONG -> true;
            default -> false;
        };
    }
}
