package overseer.core;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How an isolated task is fenced off from the host (an OCI runtime's container). Who the process runs as is
 * {@link ProcessSpec#user()}; its limits are {@link TaskSpec#resources()}.
 *
 * @param rootfs          the root file system; empty means Nomad's task dir: alloc/, local/, secrets/ and tmp/
 *                        beside read-only binds of the host's /usr, /bin, /lib, /lib64, /sbin and /etc
 * @param mounts          binds, drives and tmpfs on top of the root, in order
 * @param namespaces      the Linux namespaces the task gets of its own (mount is always among them)
 * @param network         NONE: a network namespace with only {@code lo}; HOST: the host's network
 * @param hostname        the task's host name (needs the uts namespace); empty means the task id
 * @param capabilities    the five capability sets of its processes
 * @param noNewPrivileges no_new_privs: setuid binaries and file capabilities grant nothing
 * @param rlimits         resource limits (RLIMIT_NOFILE, ...) of its processes
 * @param seccomp         the system call filter
 * @param readonlyRootfs  whether the root itself is mounted read-only (the task dir, binds and drives keep their own mode)
 * @param terminal        whether the init process gets a pseudo-terminal (its output is then one stream)
 * @param hooks           OCI hooks run around the start (seed 002's additional start hooks)
 */
public record Isolation(Optional<Path> rootfs, List<Mount> mounts, Set<Namespace> namespaces, Network network,
                        Optional<String> hostname, Capabilities capabilities, boolean noNewPrivileges,
                        List<Rlimit> rlimits, Seccomp seccomp, boolean readonlyRootfs, boolean terminal, Hooks hooks) {
    private static final Pattern HOSTNAME = Pattern.compile(
            "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    /** Every namespace, the host's network cut off: what {@code overseer run --isolate} gives by default. */
    public static final Isolation DEFAULT = builder().build();

    public Isolation {
        Objects.requireNonNull(rootfs, "rootfs");
        rootfs.ifPresent(r -> {
            if (!r.isAbsolute()) {
                throw OverseerException.invalidField("isolation.rootfs", "must be an absolute path, got \"%s\"", r);
            }
        });
        mounts = List.copyOf(mounts);
        namespaces = Set.copyOf(namespaces);
        if (!namespaces.contains(Namespace.MOUNT)) {
            // Without a mount namespace of its own runc rbinds the root onto itself in the caller's namespace
            // on every run (DESIGN.md), and the task dir could not be its root at all.
            throw OverseerException.invalidField("isolation.namespaces", "must include mount, got %s", namespaces);
        }
        Objects.requireNonNull(network, "network");
        if (network == Network.NONE && !namespaces.contains(Namespace.NET)) {
            throw OverseerException.invalidField("isolation.network", "none needs the net namespace");
        }
        if (network == Network.HOST && namespaces.contains(Namespace.NET)) {
            throw OverseerException.invalidField("isolation.network", "host cannot be combined with the net namespace");
        }
        Objects.requireNonNull(hostname, "hostname");
        if (hostname.isPresent()) {
            String h = hostname.get();
            if (h.length() > 253 || !HOSTNAME.matcher(h).matches()) {
                throw OverseerException.invalidField("isolation.hostname", "\"%s\" is not a valid host name", h);
            }
            if (!namespaces.contains(Namespace.UTS)) {
                throw OverseerException.invalidField("isolation.hostname", "needs the uts namespace");
            }
        }
        Objects.requireNonNull(capabilities, "capabilities");
        rlimits = List.copyOf(rlimits);
        Objects.requireNonNull(seccomp, "seccomp");
        Objects.requireNonNull(hooks, "hooks");
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.rootfs = rootfs.orElse(null);
        b.mounts.addAll(mounts);
        b.namespaces = namespaces.isEmpty() ? EnumSet.noneOf(Namespace.class) : EnumSet.copyOf(namespaces);
        b.network = network;
        b.hostname = hostname.orElse(null);
        b.capabilities = capabilities;
        b.noNewPrivileges = noNewPrivileges;
        b.rlimits.clear();
        b.rlimits.addAll(rlimits);
        b.seccomp = seccomp;
        b.readonlyRootfs = readonlyRootfs;
        b.terminal = terminal;
        b.hooks = hooks;
        return b;
    }

    public enum Namespace {
        PID("pid"), MOUNT("mount"), IPC("ipc"), UTS("uts"), NET("network"), USER("user"), CGROUP("cgroup");

        /** The name the OCI runtime spec gives it. */
        public final String oci;

        Namespace(String oci) {
            this.oci = oci;
        }
    }

    public enum Network {
        NONE, HOST
    }

    /**
     * A file system made visible in the task.
     *
     * <ul>
     *   <li>{@link Kind#BIND}: an existing host path, as it is.</li>
     *   <li>{@link Kind#DRIVE}: seed 002's DriveMount: a host directory Overseer keeps for the task: created if
     *       missing, given {@code owner} and {@code mode} before every start, then bound read-write.</li>
     *   <li>{@link Kind#TMPFS}: an empty in-memory file system ({@code source} is ignored).</li>
     * </ul>
     */
    public record Mount(Kind kind, Path source, Path destination, boolean readOnly, Optional<Owner> owner,
                        OptionalInt mode) {
        public Mount {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(destination, "destination");
            Objects.requireNonNull(owner, "owner");
            Objects.requireNonNull(mode, "mode");
            if (!destination.isAbsolute()) {
                throw OverseerException.invalidField("mounts.destination", "must be an absolute path, got \"%s\"", destination);
            }
            if (kind != Kind.TMPFS && !source.isAbsolute()) {
                throw OverseerException.invalidField("mounts.source", "must be an absolute path, got \"%s\"", source);
            }
            if (kind == Kind.BIND && (owner.isPresent() || mode.isPresent())) {
                throw OverseerException.invalidField("mounts", "a bind of \"%s\" cannot change owner or mode (host files are not Overseer's); use a drive", source);
            }
            mode.ifPresent(m -> {
                if (m < 0 || m > 07777) {
                    throw OverseerException.invalidField("mounts.mode", "%o is not a file mode", m);
                }
            });
        }

        public enum Kind {
            BIND, DRIVE, TMPFS
        }

        public static Mount bind(Path source, Path destination, boolean readOnly) {
            return new Mount(Kind.BIND, source, destination, readOnly, Optional.empty(), OptionalInt.empty());
        }

        public static Mount drive(Path source, Path destination, Optional<Owner> owner, OptionalInt mode) {
            return new Mount(Kind.DRIVE, source, destination, false, owner, mode);
        }

        public static Mount tmpfs(Path destination) {
            return new Mount(Kind.TMPFS, Path.of("tmpfs"), destination, false, Optional.empty(), OptionalInt.empty());
        }

        /** {@code SRC:DST[:ro|rw]}, as {@code overseer run --mount} takes it. */
        public static Mount parse(String text) {
            String[] p = text.split(":", -1);
            if (p.length < 2 || p.length > 3 || (p.length == 3 && !p[2].equals("ro") && !p[2].equals("rw"))) {
                throw OverseerException.invalidField("mounts", "\"%s\" is not SRC:DST[:ro]", text);
            }
            return bind(overseer.core.internal.PathText.of("mounts", p[0]), overseer.core.internal.PathText.of("mounts", p[1]),
                    p.length == 3 && p[2].equals("ro"));
        }
    }

    /** A numeric owner for a drive. */
    public record Owner(int uid, int gid) {
        public Owner {
            if (uid < 0 || gid < 0) {
                throw OverseerException.invalidField("mounts.owner", "%d:%d is not a uid:gid", uid, gid);
            }
        }
    }

    /** The five capability sets, by name ("CAP_KILL"). */
    public record Capabilities(Set<String> bounding, Set<String> effective, Set<String> inheritable,
                               Set<String> permitted, Set<String> ambient) {
        /** Docker's default set: what an unprivileged container process keeps. */
        public static final Set<String> DOCKER_DEFAULT = Set.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID",
                "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
                "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
        private static final Pattern NAME = Pattern.compile("CAP_[A-Z_]+");
        public static final Capabilities DEFAULT = of(DOCKER_DEFAULT);
        public static final Capabilities NONE = of(Set.of());

        public Capabilities {
            bounding = check("bounding", bounding);
            effective = check("effective", effective);
            inheritable = check("inheritable", inheritable);
            permitted = check("permitted", permitted);
            ambient = check("ambient", ambient);
        }

        /** {@code caps} in the bounding, effective and permitted sets; none inheritable or ambient. */
        public static Capabilities of(Set<String> caps) {
            return new Capabilities(caps, caps, Set.of(), caps, Set.of());
        }

        private static Set<String> check(String set, Set<String> caps) {
            for (String c : caps) {
                if (c == null || !NAME.matcher(c).matches()) {
                    throw OverseerException.invalidArgument("capabilities.%s: \"%s\" is not a capability name (CAP_...)", set, c);
                }
            }
            return Set.copyOf(caps);
        }
    }

    /** One setrlimit: {@code type} as the OCI spec names it ("RLIMIT_NOFILE"). */
    public record Rlimit(String type, long soft, long hard) {
        public Rlimit {
            if (type == null || !type.matches("RLIMIT_[A-Z]+")) {
                throw OverseerException.invalidField("rlimits.type", "\"%s\" is not an RLIMIT_ name", type);
            }
            if (soft < 0 || hard < 0 || soft > hard) {
                throw OverseerException.invalidArgument("rlimits.%s: soft %d must be at most hard %d", type, soft, hard);
            }
        }
    }

    /**
     * The system call filter. Profile DEFAULT is modelled on Docker's default: the calls that reach past a
     * container (mount, kexec, module loading, bpf, ...) fail with EPERM. {@code rules} are the user's filters;
     * a rule overrides the profile for the calls it names.
     */
    public record Seccomp(Profile profile, List<Rule> rules) {
        public static final Seccomp DEFAULT = new Seccomp(Profile.DEFAULT, List.of());
        public static final Seccomp UNCONFINED = new Seccomp(Profile.UNCONFINED, List.of());

        public Seccomp {
            Objects.requireNonNull(profile, "profile");
            rules = List.copyOf(rules);
        }

        public enum Profile {
            DEFAULT, UNCONFINED
        }

        public enum Action {
            ALLOW, ERRNO, KILL, LOG
        }

        /** {@code action} for every call in {@code syscalls}; ERRNO fails them with EPERM. */
        public record Rule(Set<String> syscalls, Action action) {
            public Rule {
                if (syscalls == null || syscalls.isEmpty()) {
                    throw OverseerException.invalidField("seccomp.rules.syscalls", "must name at least one call");
                }
                for (String s : syscalls) {
                    if (s == null || !s.matches("[a-z0-9_]+")) {
                        throw OverseerException.invalidField("seccomp.rules.syscalls", "\"%s\" is not a system call name", s);
                    }
                }
                syscalls = Set.copyOf(syscalls);
                Objects.requireNonNull(action, "action");
            }
        }

        public Seccomp with(Rule rule) {
            List<Rule> r = new ArrayList<>(rules);
            r.add(rule);
            return new Seccomp(profile, r);
        }
    }

    /** An OCI hook: a host program the runtime runs with the container's state on its stdin. */
    public record Hook(Path path, List<String> args, Map<String, String> env, Optional<Duration> timeout) {
        public Hook {
            Objects.requireNonNull(path, "path");
            if (!path.isAbsolute()) {
                throw OverseerException.invalidField("hooks.path", "must be an absolute path, got \"%s\"", path);
            }
            args = List.copyOf(args);
            env = Map.copyOf(env);
            Objects.requireNonNull(timeout, "timeout");
        }

        public static Hook of(Path path, String... args) {
            List<String> a = new ArrayList<>();
            a.add(path.toString());
            a.addAll(List.of(args));
            return new Hook(path, a, Map.of(), Optional.empty());
        }
    }

    /**
     * When hooks run (OCI runtime spec): {@code prestart} and {@code createRuntime} in the runtime's namespace
     * once the container exists, {@code poststart} after its process started.
     */
    public record Hooks(List<Hook> prestart, List<Hook> createRuntime, List<Hook> poststart) {
        public static final Hooks NONE = new Hooks(List.of(), List.of(), List.of());

        public Hooks {
            prestart = List.copyOf(prestart);
            createRuntime = List.copyOf(createRuntime);
            poststart = List.copyOf(poststart);
        }
    }

    public static final class Builder {
        private Path rootfs;
        private final List<Mount> mounts = new ArrayList<>();
        private EnumSet<Namespace> namespaces = EnumSet.of(Namespace.PID, Namespace.MOUNT, Namespace.IPC, Namespace.UTS,
                Namespace.NET, Namespace.CGROUP);
        private Network network = Network.NONE;
        private String hostname;
        private Capabilities capabilities = Capabilities.DEFAULT;
        private boolean noNewPrivileges = true;
        private final List<Rlimit> rlimits = new ArrayList<>(List.of(new Rlimit("RLIMIT_NOFILE", 1024, 1024)));
        private Seccomp seccomp = Seccomp.DEFAULT;
        private boolean readonlyRootfs = true;
        private boolean terminal;
        private Hooks hooks = Hooks.NONE;

        private Builder() {
        }

        public Builder rootfs(Path dir) {
            this.rootfs = dir;
            return this;
        }

        public Builder mount(Mount m) {
            mounts.add(m);
            return this;
        }

        /** Leaves out one namespace; leaving out NET means the host's network. */
        public Builder without(Namespace ns) {
            namespaces.remove(ns);
            if (ns == Namespace.NET) {
                network = Network.HOST;
            }
            return this;
        }

        /** Adds one namespace; adding NET means a network with only {@code lo}. */
        public Builder with(Namespace ns) {
            namespaces.add(ns);
            if (ns == Namespace.NET) {
                network = Network.NONE;
            }
            return this;
        }

        /** NONE adds the net namespace, HOST removes it. */
        public Builder network(Network n) {
            return n == Network.NONE ? with(Namespace.NET) : without(Namespace.NET);
        }

        public Builder hostname(String h) {
            this.hostname = h;
            return this;
        }

        public Builder capabilities(Capabilities c) {
            this.capabilities = c;
            return this;
        }

        public Builder noNewPrivileges(boolean v) {
            this.noNewPrivileges = v;
            return this;
        }

        /** Sets one limit, replacing an earlier one of the same type. */
        public Builder rlimit(Rlimit r) {
            rlimits.removeIf(x -> x.type().equals(r.type()));
            rlimits.add(r);
            return this;
        }

        public Builder seccomp(Seccomp s) {
            this.seccomp = s;
            return this;
        }

        public Builder readonlyRootfs(boolean v) {
            this.readonlyRootfs = v;
            return this;
        }

        public Builder terminal(boolean v) {
            this.terminal = v;
            return this;
        }

        public Builder hooks(Hooks h) {
            this.hooks = h;
            return this;
        }

        public Isolation build() {
            return new Isolation(Optional.ofNullable(rootfs), mounts, namespaces, network, Optional.ofNullable(hostname),
                    capabilities, noNewPrivileges, rlimits, seccomp, readonlyRootfs, terminal, hooks);
        }
    }
}
