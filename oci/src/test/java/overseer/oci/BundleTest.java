package overseer.oci;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.ErrorKind;
import overseer.core.Isolation;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Resources;
import tools.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** config.json as the runtime spec wants it, written without running anything (no root needed). */
class BundleTest {
    @TempDir
    Path state;

    private JsonNode write(ProcessSpec spec, Resources r, Isolation iso) throws Exception {
        TaskPaths paths = TaskPaths.init(state, "ns", "web");
        Files.createDirectories(paths.dir());
        RootfsView view = Bundle.prepareRoot(paths, iso);
        String program = view.resolveProgram(spec).toString();
        Bundle.write(paths, "ns", "web", spec, program, new Bundle.Ids(1000, 1000), r, iso, "/overseer/ns/web");
        return Bundle.JSON.readTree(Files.readAllBytes(paths.config()));
    }

    @Test
    void theDefaultRootIsTheTaskDirWithTheHostsDirectoriesReadOnly() throws Exception {
        JsonNode c = write(ProcessSpec.builder("sh", "-c", "true").env("A", "1").build(), Resources.NONE, Isolation.DEFAULT);

        Path rootfs = state.resolve("tasks/ns/web/rootfs");
        assertThat(c.path("root").path("path").asString()).isEqualTo(rootfs.toString());
        assertThat(c.path("root").path("readonly").asBoolean()).isTrue();
        for (String d : List.of("alloc", "local", "secrets", "tmp")) {
            assertThat(rootfs.resolve(d)).isDirectory();
        }
        for (String dir : Bundle.HOST_DIRS) {
            Path host = Path.of(dir);
            if (Files.isSymbolicLink(host)) {
                // Debian 12: /bin → usr/bin is copied as the same link, not bound
                assertThat(Files.readSymbolicLink(rootfs.resolve(dir.substring(1)))).isEqualTo(Files.readSymbolicLink(host));
                assertThat(destinations(c)).doesNotContain(dir);
            } else if (Files.isDirectory(host)) {
                JsonNode m = mount(c, dir);
                assertThat(m.path("source").asString()).isEqualTo(dir);
                assertThat(strings(m.path("options"))).contains("rbind", "ro");
            }
        }
        assertThat(strings(mount(c, "/local").path("options"))).contains("rw");
        assertThat(mount(c, "/sys").path("type").asString()).isEqualTo("sysfs");
        assertThat(c.path("hostname").asString()).isEqualTo("web");
        assertThat(strings(c.path("process").path("args"))).containsExactly("/usr/bin/sh", "-c", "true");
        assertThat(strings(c.path("process").path("env"))).containsExactly("A=1", "NOMAD_ALLOC_DIR=/alloc",
                "NOMAD_SECRETS_DIR=/secrets", "NOMAD_TASK_DIR=/local");
        assertThat(c.path("process").path("user").path("uid").asInt()).isEqualTo(1000);
        assertThat(c.path("process").path("noNewPrivileges").asBoolean()).isTrue();
        assertThat(strings(c.path("process").path("capabilities").path("bounding"))).containsExactlyInAnyOrderElementsOf(
                Isolation.Capabilities.DOCKER_DEFAULT);
        assertThat(c.path("linux").path("cgroupsPath").asString()).isEqualTo("/overseer/ns/web");
        List<String> ns = new ArrayList<>();
        c.path("linux").path("namespaces").forEach(n -> ns.add(n.path("type").asString()));
        assertThat(ns).containsExactlyInAnyOrder("pid", "mount", "ipc", "uts", "network", "cgroup");
    }

    /**
     * Nomad v0.2 (client/allocdir/alloc_dir.go): the task dir is alloc/ with the shared logs/, tmp/ and data/,
     * the task's local/ and (since 0.5) secrets/; the chrooted task sees them at /alloc, /local, /secrets.
     */
    @Test
    void theTaskDirHasNomadsLayoutAsNomadDoes() throws Exception {
        JsonNode c = write(ProcessSpec.of("/bin/true"), Resources.NONE, Isolation.DEFAULT);

        Path rootfs = state.resolve("tasks/ns/web/rootfs");
        for (String d : List.of("alloc/logs", "alloc/tmp", "alloc/data", "local", "secrets", "tmp")) {
            assertThat(rootfs.resolve(d)).isDirectory();
        }
        assertThat((int) Files.getAttribute(rootfs.resolve("alloc/tmp"), "unix:mode") & 07777).isEqualTo(01777);
        assertThat((int) Files.getAttribute(rootfs.resolve("tmp"), "unix:mode") & 07777).isEqualTo(01777);
        for (String d : List.of("/alloc", "/local", "/secrets", "/tmp")) {
            assertThat(mount(c, d).path("source").asString()).isEqualTo(rootfs.resolve(d.substring(1)).toString());
        }
    }

    /** Nomad (client/driver/environment/vars.go): NOMAD_ALLOC_DIR, NOMAD_TASK_DIR, NOMAD_SECRETS_DIR in the task. */
    @Test
    void theTaskSeesNomadsDirectoryVariablesAsNomadDoes() throws Exception {
        JsonNode c = write(ProcessSpec.of("/bin/true"), Resources.NONE, Isolation.DEFAULT);
        assertThat(strings(c.path("process").path("env"))).contains("NOMAD_ALLOC_DIR=/alloc", "NOMAD_TASK_DIR=/local",
                "NOMAD_SECRETS_DIR=/secrets");

        JsonNode own = write(ProcessSpec.builder("/bin/true").env("NOMAD_TASK_DIR", "/elsewhere").build(), Resources.NONE,
                Isolation.DEFAULT);
        assertThat(strings(own.path("process").path("env"))).contains("NOMAD_TASK_DIR=/elsewhere")
                .doesNotContain("NOMAD_TASK_DIR=/local");
    }

    @Test
    void theHostNetworkBindsSysAndDropsTheNetNamespace() throws Exception {
        JsonNode c = write(ProcessSpec.of("/bin/true"), Resources.NONE, Isolation.builder().network(Isolation.Network.HOST).build());

        assertThat(mount(c, "/sys").path("type").asString()).isEqualTo("bind");
        assertThat(c.path("linux").path("namespaces").toString()).doesNotContain("network");
    }

    @Test
    void limitsBecomeLinuxResources() throws Exception {
        JsonNode c = write(ProcessSpec.of("/bin/true"), Resources.builder().memoryBytes(64L << 20).swapBytes(128L << 20)
                .cpus(0.5).cpuWeight(100).pidsLimit(20).build(), Isolation.DEFAULT);

        JsonNode r = c.path("linux").path("resources");
        assertThat(r.path("memory").path("limit").asLong()).isEqualTo(64L << 20);
        assertThat(r.path("memory").path("swap").asLong()).isEqualTo(128L << 20);
        assertThat(r.path("cpu").path("quota").asLong()).isEqualTo(50_000);
        assertThat(r.path("cpu").path("period").asLong()).isEqualTo(100_000);
        assertThat(r.path("cpu").path("shares").asLong()).isEqualTo(2 + 99 * 262142L / 9999);
        assertThat(r.path("pids").path("limit").asLong()).isEqualTo(20);
        assertThat(r.path("devices").get(0).path("allow").asBoolean()).isFalse();
    }

    @Test
    void theDefaultSeccompProfileDeniesWhatDockerDeniesAndUserRulesWin() throws Exception {
        Isolation iso = Isolation.builder().seccomp(Isolation.Seccomp.DEFAULT
                .with(new Isolation.Seccomp.Rule(Set.of("unshare"), Isolation.Seccomp.Action.ALLOW))).build();

        JsonNode s = write(ProcessSpec.of("/bin/true"), Resources.NONE, iso).path("linux").path("seccomp");

        assertThat(s.path("defaultAction").asString()).isEqualTo("SCMP_ACT_ALLOW");
        JsonNode deny = s.path("syscalls").get(0);
        assertThat(deny.path("action").asString()).isEqualTo("SCMP_ACT_ERRNO");
        assertThat(strings(deny.path("names"))).contains("mount", "kexec_load", "bpf", "ptrace").doesNotContain("unshare");
        assertThat(s.path("syscalls").get(1).path("action").asString()).isEqualTo("SCMP_ACT_ALLOW");
        assertThat(strings(s.path("syscalls").get(1).path("names"))).containsExactly("unshare");
    }

    @Test
    void aMergedStderrIsMadeInsideTheTask() throws Exception {
        JsonNode c = write(ProcessSpec.builder("/bin/echo", "hi").stdout(Redirect.PIPE).stderr(Redirect.STDOUT).build(),
                Resources.NONE, Isolation.DEFAULT);

        assertThat(strings(c.path("process").path("args"))).containsExactly("/bin/sh", "-c", "exec \"$@\" 2>&1", "sh", "/bin/echo", "hi");
    }

    @Test
    void programsAreFoundInsideTheTaskNotOnTheHost(@TempDir Path rootfs) throws Exception {
        Files.createDirectories(rootfs.resolve("bin"));
        Files.writeString(rootfs.resolve("bin/tool"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(rootfs.resolve("bin/tool"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(rootfs.resolve("sbin"), Path.of("bin"));
        TaskPaths paths = TaskPaths.init(state, "ns", "own");
        Files.createDirectories(paths.dir());
        RootfsView view = Bundle.prepareRoot(paths, Isolation.builder().rootfs(rootfs).build());

        assertThat(view.resolveProgram(ProcessSpec.builder("tool").env("PATH", "/sbin").build())).isEqualTo(Path.of("/sbin/tool"));
        assertThat(view.host(Path.of("/sbin/tool"))).isEqualTo(rootfs.resolve("bin/tool"));
        OverseerException e = catchThrowableOfType(OverseerException.class, () -> view.resolveProgram(ProcessSpec.of("ls")));
        assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
        assertThat(e.getMessage()).startsWith("args[0]: no such file or directory");
    }

    private static List<String> destinations(JsonNode c) {
        List<String> d = new ArrayList<>();
        c.path("mounts").forEach(m -> d.add(m.path("destination").asString()));
        return d;
    }

    private static JsonNode mount(JsonNode c, String destination) {
        for (JsonNode m : c.path("mounts")) {
            if (m.path("destination").asString().equals(destination)) {
                return m;
            }
        }
        throw new AssertionError("no mount at " + destination);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }
}
