package overseer.oci;

import overseer.core.Isolation.Seccomp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * linux.seccomp for an {@link Seccomp}. The DEFAULT profile is modelled on Docker's: the system calls Docker's
 * default profile leaves out (they reach past a container: mounts, kernel modules and kexec, the kernel keyring,
 * bpf, perf, tracing other processes, clocks, reboot, namespaces) fail with EPERM; everything else is allowed.
 * Docker writes it as an allow-list; a deny-list of the same calls reads better and behaves the same for
 * programs that use only what Docker allows. A user rule overrides the profile for the calls it names.
 */
final class SeccompProfile {
    static final Set<String> DENIED = Set.of("acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module",
            "delete_module", "finit_module", "fsconfig", "fsmount", "fsopen", "fspick", "get_kernel_syms", "get_mempolicy",
            "init_module", "ioperm", "iopl", "kcmp", "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mbind",
            "mount", "mount_setattr", "move_mount", "move_pages", "name_to_handle_at", "nfsservctl", "open_by_handle_at",
            "open_tree", "perf_event_open", "pivot_root", "process_vm_readv", "process_vm_writev", "ptrace", "query_module",
            "quotactl", "reboot", "request_key", "set_mempolicy", "setns", "settimeofday", "stime", "swapoff", "swapon",
            "sysfs", "_sysctl", "umount", "umount2", "unshare", "uselib", "userfaultfd", "ustat", "vm86", "vm86old");
    private static final int EPERM = 1;

    private SeccompProfile() {
    }

    /** The linux.seccomp object, or null for UNCONFINED without rules. */
    static Map<String, Object> of(Seccomp s) {
        if (s.profile() == Seccomp.Profile.UNCONFINED && s.rules().isEmpty()) {
            return null;
        }
        Set<String> named = new TreeSet<>();
        s.rules().forEach(r -> named.addAll(r.syscalls()));
        List<Map<String, Object>> syscalls = new ArrayList<>();
        if (s.profile() == Seccomp.Profile.DEFAULT) {
            Set<String> denied = new TreeSet<>(DENIED);
            denied.removeAll(named);
            syscalls.add(rule(denied, "SCMP_ACT_ERRNO"));
        }
        for (Seccomp.Rule r : s.rules()) {
            syscalls.add(rule(new TreeSet<>(r.syscalls()), "SCMP_ACT_" + r.action().name()));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("defaultAction", "SCMP_ACT_ALLOW");
        m.put("architectures", architectures());
        m.put("syscalls", syscalls);
        return m;
    }

    private static Map<String, Object> rule(Set<String> names, String action) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("names", List.copyOf(names));
        r.put("action", action);
        if (action.equals("SCMP_ACT_ERRNO")) {
            r.put("errnoRet", EPERM);
        }
        return r;
    }

    private static List<String> architectures() {
        return switch (System.getProperty("os.arch")) {
            case "aarch64", "arm64" -> List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
            default -> List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
        };
    }
}
