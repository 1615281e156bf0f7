package overseer.oci;

import overseer.core.Isolation;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Resources;
import overseer.linux.CgroupLayout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Chooses the runtime binary once, by running a real tiny container (/bin/true) with each candidate: a
 * version string says nothing about whether a runtime accepts this host's cgroups, a run does.
 */
final class RuntimeProbe {
    private static final List<String> PATH = List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");

    private RuntimeProbe() {
    }

    record Found(RuntimeBinary binary, List<String> notes) {
    }

    /**
     * {@code preference}: "runc" or "crun" to take only that one, "auto" to take crun where it runs (it starts
     * containers in about half runc's time) and runc otherwise.
     */
    static Found choose(String preference, Path probeDir, Launcher launcher, String cgroupParent) {
        List<String> candidates = switch (preference) {
            case "auto" -> List.of("crun", "runc");
            case "runc", "crun" -> List.of(preference);
            default -> throw OverseerException.invalidArgument("runtime: \"%s\" is not auto, runc or crun", preference);
        };
        String mode = CgroupLayout.detect().mode();
        List<String> notes = new ArrayList<>(List.of(launcher.describe()));
        for (String name : candidates) {
            Optional<Path> path = which(name);
            if (path.isEmpty()) {
                notes.add(name + ": not installed");
                continue;
            }
            String version = version(path.get());
            RuntimeBinary plain = new RuntimeBinary(name, path.get(), version, false, launcher);
            String failure = tryRun(plain, probeDir, cgroupParent);
            if (failure == null) {
                notes.add(name + ": runs containers on this " + mode + " cgroup host");
                return new Found(plain, notes);
            }
            if (name.equals("crun") && mode.equals("hybrid")) {
                RuntimeBinary covered = new RuntimeBinary(name, path.get(), version, true, launcher);
                String again = tryRun(covered, probeDir, cgroupParent);
                if (again == null) {
                    notes.add("crun: refuses this hybrid cgroup host (\"" + failure + "\"); runs with an empty tmpfs over"
                            + " /sys/fs/cgroup/unified in its private mount namespace");
                    return new Found(covered, notes);
                }
                notes.add("crun: refuses this host (\"" + failure + "\"), also with /sys/fs/cgroup/unified covered (\"" + again + "\")");
                continue;
            }
            notes.add(name + ": refuses this host: " + failure);
        }
        throw OverseerException.unavailable("no OCI runtime works on this host: %s", String.join("; ", notes));
    }

    /** Runs /bin/true in a throw-away bundle; null when it worked, else the runtime's complaint. */
    private static String tryRun(RuntimeBinary b, Path probeDir, String cgroupParent) {
        String id = "probe-" + b.name() + (b.coverUnified() ? "-covered" : "") + "-" + ProcessHandle.current().pid();
        TaskPaths paths = TaskPaths.init(probeDir, "probe", id);
        try {
            Files.createDirectories(paths.dir());
            Isolation iso = Isolation.builder().seccomp(Isolation.Seccomp.UNCONFINED).build();
            Bundle.prepareRoot(paths, iso);
            Bundle.write(paths, "probe", id, ProcessSpec.of("/bin/true"), "/bin/true", Bundle.Ids.ROOT, Resources.NONE, iso,
                    cgroupParent + "/probe/" + id);
            Program.Result r = Program.run(b.argv(paths.runtimeRoot(), "run", "--bundle", paths.dir().toString(), id));
            if (!r.ok()) {
                Program.run(b.argv(paths.runtimeRoot(), "delete", "--force", id));
            }
            return r.ok() ? null : r.error();
        } catch (IOException | RuntimeException e) {
            return e.getMessage();
        } finally {
            Cgroups.removeEmpty(cgroupParent + "/probe");
            Files2.deleteTree(probeDir);
        }
    }

    static Optional<Path> which(String name) {
        return PATH.stream().map(d -> Path.of(d, name)).filter(Files::isExecutable).findFirst();
    }

    static String version(Path binary) {
        try {
            Program.Result r = Program.run(List.of(binary.toString(), "--version"));
            String out = r.stdout().isBlank() ? r.stderr() : r.stdout();
            return out.strip().lines().findFirst().orElse("unknown");
        } catch (RuntimeException e) {
            return "unknown";
        }
    }

    /**
     * Whether checkpoint and restore can work: the runtime must have a checkpoint command and {@code criu check}
     * must pass (Debian 12's criu 3.17 fails on newer kernels: "vdso: Unexpected rt vDSO area bounds").
     * Empty when they can, else the reason.
     */
    static Optional<String> checkpointProblem(RuntimeBinary runtime) {
        if (runtime.name().equals("crun")) {
            Program.Result help = Program.run(List.of(runtime.path().toString(), "--help"));
            if (!help.stdout().contains("checkpoint")) {
                return Optional.of(runtime.version() + " was built without checkpoint support");
            }
        }
        Optional<Path> criu = which("criu");
        if (criu.isEmpty()) {
            return Optional.of("criu is not installed");
        }
        Program.Result check = Program.run(List.of(criu.get().toString(), "check"));
        if (check.ok()) {
            return Optional.empty();
        }
        // criu's first lines are often its helpers' "exited, status=1"; the cause comes after them.
        String reason = (check.stderr() + "\n" + check.stdout()).lines().map(l -> l.replaceFirst("^Error \\([^)]*\\): ", "").strip())
                .filter(l -> !l.isEmpty() && !l.startsWith("Looks good") && !l.startsWith("exited, status="))
                .findFirst().orElse("exit " + check.exitCode());
        return Optional.of("criu check failed: " + reason);
    }
}
