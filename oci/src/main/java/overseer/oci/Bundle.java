package overseer.oci;

import overseer.core.Isolation;
import overseer.core.Isolation.Mount;
import overseer.core.Isolation.Namespace;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Resources;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes an OCI bundle (runtime spec 1.0.2 config.json) for a task, and the process.json of an exec'd process.
 * Everything the runtime is told comes from here, so this one class is where to read what an isolated task gets.
 */
final class Bundle {
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** The host directories the default root shows read-only; the ones that are symbolic links (Debian 12's /bin → usr/bin) are copied as links. */
    static final List<String> HOST_DIRS = List.of("/usr", "/bin", "/lib", "/lib64", "/sbin", "/etc");
    /** Nomad's task dir: alloc/ (shared with the allocation), local/, secrets/ and tmp/; all writable. */
    static final List<String> TASK_DIRS = List.of("alloc", "local", "secrets", "tmp");
    /** Nomad's shared alloc dirs (client/allocdir/alloc_dir.go, SharedDirs): alloc/logs, alloc/tmp, alloc/data. */
    static final List<String> ALLOC_DIRS = List.of("logs", "tmp", "data");
    /**
     * Where the task finds its dirs, under Nomad's names (client/driver/environment/vars.go: NOMAD_ALLOC_DIR,
     * NOMAD_TASK_DIR; NOMAD_SECRETS_DIR since Nomad 0.5), as the chrooted task sees them. A spec that sets one
     * of them keeps its own value.
     */
    static final Map<String, String> TASK_ENV = Map.of("NOMAD_ALLOC_DIR", "/alloc", "NOMAD_TASK_DIR", "/local",
            "NOMAD_SECRETS_DIR", "/secrets");
    private static final List<String> MASKED = List.of("/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware");
    private static final List<String> READONLY = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");
    private static final long CPU_PERIOD_US = 100_000;

    private Bundle() {
    }

    /** The resolved identity of a process: numeric ids, as the runtime wants them. */
    record Ids(int uid, int gid) {
        static final Ids ROOT = new Ids(0, 0);
    }

    /**
     * Makes the default root's directories and mount points under {@code paths.rootfs()} (nothing for a user's
     * rootfs) and returns what the task will see where: the view used to check args[0] and cwd.
     */
    static RootfsView prepareRoot(TaskPaths paths, Isolation iso) throws IOException {
        Path root = iso.rootfs().orElse(paths.rootfs());
        List<RootfsView.Entry> entries = new ArrayList<>();
        if (iso.rootfs().isEmpty()) {
            Files2.directories(root);
            makeTaskDir(root);
            for (String d : List.of("proc", "dev", "sys")) {
                Files2.directories(root.resolve(d));
            }
            for (String dir : HOST_DIRS) {
                Path host = Path.of(dir);
                Path inRoot = root.resolve(dir.substring(1));
                if (Files.isSymbolicLink(host)) {
                    if (!Files.isSymbolicLink(inRoot)) {
                        Files.createSymbolicLink(inRoot, Files.readSymbolicLink(host));
                    }
                } else if (Files.isDirectory(host)) {
                    Files2.directories(inRoot);
                    entries.add(new RootfsView.Entry(host, host));
                }
            }
        }
        for (Mount m : iso.mounts()) {
            if (m.kind() == Mount.Kind.DRIVE) {
                prepareDrive(m);
            }
            if (m.kind() != Mount.Kind.TMPFS) {
                if (!Files.exists(m.source())) {
                    throw OverseerException.invalidArgument("mounts.source: no such file or directory: \"%s\"", m.source());
                }
                entries.add(new RootfsView.Entry(m.destination(), m.source()));
            }
        }
        return new RootfsView(root, entries);
    }

    /** Nomad's task dir: alloc/{logs,tmp,data}, local/, secrets/, tmp/; the two tmp dirs are for anyone, sticky. */
    private static void makeTaskDir(Path dir) throws IOException {
        for (String d : TASK_DIRS) {
            Files2.directories(dir.resolve(d));
        }
        for (String d : ALLOC_DIRS) {
            Files2.directories(dir.resolve("alloc").resolve(d));
        }
        for (Path tmp : List.of(dir.resolve("tmp"), dir.resolve("alloc/tmp"))) {
            Files.setAttribute(tmp, "unix:mode", 01777); // the umask would take the bits away from mkdir
        }
    }

    /** Seed 002's DriveMount: the directory exists, belongs to its owner and has its mode before the task starts. */
    private static void prepareDrive(Mount m) throws IOException {
        Files2.directories(m.source());
        if (m.owner().isPresent()) {
            Files.setAttribute(m.source(), "unix:uid", m.owner().get().uid());
            Files.setAttribute(m.source(), "unix:gid", m.owner().get().gid());
        }
        if (m.mode().isPresent()) {
            Files.setAttribute(m.source(), "unix:mode", m.mode().getAsInt());
        }
    }

    /** Writes config.json. {@code program} is args[0] resolved inside the task. */
    static void write(TaskPaths paths, String namespace, String taskId, ProcessSpec spec, String program, Ids ids,
                      Resources resources, Isolation iso, String cgroupsPath) throws IOException {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("ociVersion", "1.0.2");
        config.put("process", process(spec, program, ids, iso, iso.terminal()));
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("path", iso.rootfs().orElse(paths.rootfs()).toString());
        root.put("readonly", iso.readonlyRootfs());
        config.put("root", root);
        if (iso.namespaces().contains(Namespace.UTS)) {
            config.put("hostname", iso.hostname().orElse(hostname(taskId)));
        }
        config.put("mounts", mounts(paths, iso));
        Map<String, Object> hooks = hooks(iso.hooks());
        if (!hooks.isEmpty()) {
            config.put("hooks", hooks);
        }
        Map<String, Object> linux = new LinkedHashMap<>();
        List<Map<String, Object>> ns = new ArrayList<>();
        for (Namespace n : new TreeSet<>(iso.namespaces())) {
            ns.add(Map.of("type", n.oci));
        }
        linux.put("namespaces", ns);
        if (iso.namespaces().contains(Namespace.USER)) {
            // Root in the task is root on the host, mapped one to one: a user namespace without a shift still
            // gives the task its own capabilities' scope. A shifted mapping needs an id-mapped root (not yet).
            List<Map<String, Object>> map = List.of(Map.of("containerID", 0, "hostID", 0, "size", 65536));
            linux.put("uidMappings", map);
            linux.put("gidMappings", map);
        }
        linux.put("cgroupsPath", cgroupsPath);
        linux.put("resources", resources(resources));
        linux.put("maskedPaths", MASKED);
        linux.put("readonlyPaths", READONLY);
        Map<String, Object> seccomp = SeccompProfile.of(iso.seccomp());
        if (seccomp != null) {
            linux.put("seccomp", seccomp);
        }
        config.put("linux", linux);
        config.put("annotations", Map.of("dev.overseer.namespace", namespace, "dev.overseer.task", taskId));
        Files.write(paths.config(), JSON.writeValueAsBytes(config));
    }

    /** Writes process.json for {@code runtime exec --process}. */
    static void writeProcess(TaskPaths paths, ProcessSpec spec, String program, Ids ids, Isolation iso) throws IOException {
        Files.write(paths.process(), JSON.writeValueAsBytes(process(spec, program, ids, iso, false)));
    }

    private static Map<String, Object> process(ProcessSpec spec, String program, Ids ids, Isolation iso, boolean terminal) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("terminal", terminal);
        p.put("user", Map.of("uid", ids.uid(), "gid", ids.gid()));
        List<String> args = new ArrayList<>(spec.args());
        // A bare name is replaced by the path found in the spec's PATH (or the default one): the runtime would
        // look it up only in the process's own PATH, and Overseer's rule is that a spec without PATH gets the
        // default one, while its environment stays exactly as given.
        args.set(0, program);
        if (spec.stderr() == Redirect.STDOUT) {
            // conmon gives stdout and stderr a pipe each, and the order between two pipes is lost; 2>&1 inside
            // the task keeps it, as a merged stream must.
            List<String> merged = new ArrayList<>(List.of("/bin/sh", "-c", "exec \"$@\" 2>&1", "sh"));
            merged.addAll(args);
            args = merged;
        }
        p.put("args", args);
        Map<String, String> env = new LinkedHashMap<>(TASK_ENV);
        env.putAll(spec.env());
        p.put("env", env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted().toList());
        p.put("cwd", spec.cwd().map(Path::toString).orElse("/"));
        Isolation.Capabilities c = iso.capabilities();
        Map<String, Object> caps = new LinkedHashMap<>();
        caps.put("bounding", sorted(c.bounding()));
        caps.put("effective", sorted(c.effective()));
        caps.put("inheritable", sorted(c.inheritable()));
        caps.put("permitted", sorted(c.permitted()));
        caps.put("ambient", sorted(c.ambient()));
        p.put("capabilities", caps);
        p.put("rlimits", iso.rlimits().stream().map(r -> Map.of("type", r.type(), "soft", r.soft(), "hard", r.hard())).toList());
        p.put("noNewPrivileges", iso.noNewPrivileges());
        return p;
    }

    private static List<String> sorted(Set<String> s) {
        return new ArrayList<>(new TreeSet<>(s));
    }

    private static List<Map<String, Object>> mounts(TaskPaths paths, Isolation iso) {
        List<Map<String, Object>> m = new ArrayList<>();
        boolean netns = iso.namespaces().contains(Namespace.NET);
        m.add(mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")));
        m.add(mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
        m.add(mount("/dev/pts", "devpts", "devpts", List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")));
        m.add(mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
        if (iso.namespaces().contains(Namespace.IPC)) {
            m.add(mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")));
        }
        // A fresh sysfs needs a network namespace of the task's own; with the host's network, bind the host's.
        m.add(netns ? mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro"))
                : mount("/sys", "bind", "/sys", List.of("rbind", "nosuid", "noexec", "nodev", "ro")));
        if (iso.rootfs().isEmpty()) {
            for (String dir : HOST_DIRS) {
                Path host = Path.of(dir);
                if (!Files.isSymbolicLink(host) && Files.isDirectory(host)) {
                    m.add(mount(dir, "bind", dir, List.of("rbind", "ro", "nosuid", "nodev")));
                }
            }
        }
        // The task dir stays writable under a read-only root: it is the task's own disk.
        Path taskDir = paths.rootfs();
        if (iso.rootfs().isPresent()) {
            try {
                makeTaskDir(taskDir);
            } catch (IOException e) {
                throw OverseerException.internal("cannot make the task dir " + taskDir, e);
            }
        }
        for (String d : TASK_DIRS) {
            m.add(mount("/" + d, "bind", taskDir.resolve(d).toString(),
                    d.equals("secrets") ? List.of("rbind", "rw", "nosuid", "nodev", "noexec") : List.of("rbind", "rw", "nosuid", "nodev")));
        }
        for (Mount u : iso.mounts()) {
            switch (u.kind()) {
                case BIND, DRIVE -> m.add(mount(u.destination().toString(), "bind", u.source().toString(),
                        List.of("rbind", u.readOnly() ? "ro" : "rw")));
                case TMPFS -> m.add(mount(u.destination().toString(), "tmpfs", "tmpfs", List.of("nosuid", "nodev", "mode=1777")));
            }
        }
        return m;
    }

    private static Map<String, Object> mount(String destination, String type, String source, List<String> options) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("destination", destination);
        m.put("type", type);
        m.put("source", source);
        m.put("options", options);
        return m;
    }

    private static Map<String, Object> hooks(Isolation.Hooks hooks) {
        Map<String, Object> h = new LinkedHashMap<>();
        if (!hooks.prestart().isEmpty()) {
            h.put("prestart", hooks.prestart().stream().map(Bundle::hook).toList());
        }
        if (!hooks.createRuntime().isEmpty()) {
            h.put("createRuntime", hooks.createRuntime().stream().map(Bundle::hook).toList());
        }
        if (!hooks.poststart().isEmpty()) {
            h.put("poststart", hooks.poststart().stream().map(Bundle::hook).toList());
        }
        return h;
    }

    private static Map<String, Object> hook(Isolation.Hook hook) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("path", hook.path().toString());
        h.put("args", hook.args());
        h.put("env", hook.env().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted().toList());
        hook.timeout().ifPresent(t -> h.put("timeout", Math.max(1, t.toSeconds())));
        return h;
    }

    /** linux.resources: the limits, and a device cgroup that denies all but the runtime's standard devices. */
    static Map<String, Object> resources(Resources r) {
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("devices", List.of(Map.of("allow", false, "access", "rwm")));
        Map<String, Object> memory = new LinkedHashMap<>();
        r.memoryBytes().ifPresent(m -> memory.put("limit", m));
        r.swapBytes().ifPresent(s -> memory.put("swap", s));
        if (!memory.isEmpty()) {
            res.put("memory", memory);
        }
        Map<String, Object> cpu = new LinkedHashMap<>();
        r.cpus().ifPresent(c -> {
            cpu.put("quota", Math.round(c * CPU_PERIOD_US));
            cpu.put("period", CPU_PERIOD_US);
        });
        // cgroup v1 cpu.shares 2..262144 from v2's weight 1..10000: the inverse of crun's conversion.
        r.cpuWeight().ifPresent(w -> cpu.put("shares", 2 + (w - 1) * 262142L / 9999));
        if (!cpu.isEmpty()) {
            res.put("cpu", cpu);
        }
        r.pidsLimit().ifPresent(p -> res.put("pids", Map.of("limit", p)));
        r.ioWeight().ifPresent(w -> res.put("blockIO", Map.of("weight", 10 + (w - 1) * 990 / 9999)));
        return res;
    }

    /** The task id as a host name, when it is one; else a neutral name. */
    static String hostname(String taskId) {
        String h = taskId.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]", "-").replaceAll("^-+|-+$", "");
        return h.isEmpty() ? "overseer" : h.length() > 63 ? h.substring(0, 63) : h;
    }

    /** Made 0700 by mkdir(2) itself (its logs and sockets are in it: no window under any umask), or narrowed to it. */
    static void privateDir(Path dir) throws IOException {
        Set<PosixFilePermission> owner = Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE);
        Files2.directories(dir.toAbsolutePath().getParent());
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(owner));
        } catch (java.nio.file.FileAlreadyExistsException exists) {
            // narrowed below
        }
        Files.setPosixFilePermissions(dir, owner);
    }
}
