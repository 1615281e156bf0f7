package overseer.linux;

import java.util.EnumSet;
import java.util.Set;

/** Linux capabilities, in the kernel's numbering (the ordinal is the number). */
public enum Capability {
    CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID, KILL, SETGID, SETUID, SETPCAP, LINUX_IMMUTABLE,
    NET_BIND_SERVICE, NET_BROADCAST, NET_ADMIN, NET_RAW, IPC_LOCK, IPC_OWNER, SYS_MODULE, SYS_RAWIO, SYS_CHROOT,
    SYS_PTRACE, SYS_PACCT, SYS_ADMIN, SYS_BOOT, SYS_NICE, SYS_RESOURCE, SYS_TIME, SYS_TTY_CONFIG, MKNOD, LEASE,
    AUDIT_WRITE, AUDIT_CONTROL, SETFCAP, MAC_OVERRIDE, MAC_ADMIN, SYSLOG, WAKE_ALARM, BLOCK_SUSPEND, AUDIT_READ,
    PERFMON, BPF, CHECKPOINT_RESTORE;

    /** What docker grants a container by default; {@link #UNPRIVILEGED} is everything else. */
    public static final Set<Capability> DOCKER_DEFAULT = Set.copyOf(EnumSet.of(CHOWN, DAC_OVERRIDE, FSETID, FOWNER,
            MKNOD, NET_RAW, SETGID, SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL, AUDIT_WRITE));

    /** What {@code setUnprivileged()} drops when not told otherwise: every capability docker does not grant. */
    public static final Set<Capability> UNPRIVILEGED = Set.copyOf(EnumSet.complementOf(EnumSet.copyOf(DOCKER_DEFAULT)));

    public int number() {
        return ordinal();
    }

    /** {@code CAP_SYS_ADMIN}, as the kernel and capsh name it. */
    public String capName() {
        return "CAP_" + name();
    }
}
