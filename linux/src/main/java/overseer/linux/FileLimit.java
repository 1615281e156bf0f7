package overseer.linux;

import overseer.core.OverseerException;

/**
 * RLIMIT_NOFILE of this process. The JDK raises the soft limit to the hard one on its own only on macOS;
 * on Linux a daemon started with the common soft limit of 1024 runs out of descriptors at ~1000 clients
 * and tasks, however high the hard limit is.
 */
public record FileLimit(long soft, long hard) {
    /** RLIM_INFINITY as getrlimit(2) returns it: all bits set. */
    public static final long UNLIMITED = -1L;

    public static FileLimit current() {
        try {
            long[] l = LibC.getrlimit(LibC.RLIMIT_NOFILE);
            return new FileLimit(l[0], l[1]);
        } catch (LibC.Errno e) {
            throw OverseerException.unavailable("RLIMIT_NOFILE: cannot read it: %s", e.getMessage());
        }
    }

    /** Sets the soft limit to the hard limit (an unprivileged process may) and returns the limit now in force. */
    public static FileLimit raiseSoftToHard() {
        FileLimit now = current();
        if (now.soft == now.hard) {
            return now;
        }
        try {
            LibC.setrlimit(LibC.RLIMIT_NOFILE, now.hard, now.hard);
        } catch (LibC.Errno e) {
            throw OverseerException.unavailable("RLIMIT_NOFILE: cannot raise the soft limit %d to the hard limit %d: %s",
                    now.soft, now.hard, e.getMessage());
        }
        return current();
    }

    @Override
    public String toString() {
        return (soft == UNLIMITED ? "unlimited" : Long.toString(soft)) + "/" + (hard == UNLIMITED ? "unlimited" : Long.toString(hard));
    }
}
