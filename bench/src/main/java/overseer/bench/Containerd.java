package overseer.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's containerd, started by the bench with root, state, sockets and config of its own under the scratch
 * directory (the CRI plugin off: nothing here is Kubernetes), driven with {@code ctr}, and stopped after: SIGTERM
 * to it, then SIGKILL to any shim of its own that outlived it (shims are re-parented away from it, and are found
 * by the address on their command line).
 */
final class Containerd implements AutoCloseable {
    static final String NAMESPACE = "overseer-bench-peers";
    private final Path dir;
    private final Path socket;
    private final Process daemon;

    private Containerd(Path dir, Process daemon) {
        this.dir = dir;
        this.socket = dir.resolve("c.sock");
        this.daemon = daemon;
    }

    static Containerd start(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path config = dir.resolve("config.toml");
        Files.writeString(config, """
                version = 2
                root = "%1$s/root"
                state = "%1$s/state"
                disabled_plugins = ["io.containerd.grpc.v1.cri"]
                [grpc]
                  address = "%1$s/c.sock"
                [ttrpc]
                  address = "%1$s/c.sock.ttrpc"
                [debug]
                  address = "%1$s/debug.sock"
                """.formatted(dir));
        Process p = new ProcessBuilder("containerd", "--config", config.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("containerd.log").toFile()).start();
        Containerd c = new Containerd(dir, p);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (c.ctr("version").exit() != 0) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                c.close();
                throw new IllegalStateException("containerd did not answer on " + c.socket + ": see " + dir.resolve("containerd.log"));
            }
            Thread.sleep(20);
        }
        return c;
    }

    void importImage(Path ociArchive) {
        ctr("image", "import", ociArchive.toString()).orThrow();
    }

    /** {@code ctr run --rm} (or {@code --detach}) of {@code args} in a container named {@code id}, on containerd's runc shim. */
    List<String> runArgv(String id, boolean detach, String... args) {
        List<String> argv = new ArrayList<>(prefix());
        argv.addAll(List.of("run", detach ? "--detach" : "--rm", "--null-io", "--cgroup", Scratch.CGROUP_PARENT + "/ctr/" + id,
                Podman.IMAGE, id));
        argv.addAll(List.of(args));
        return argv;
    }

    Cmd ctr(String... args) {
        List<String> argv = new ArrayList<>(prefix());
        argv.addAll(List.of(args));
        return Cmd.run(dir, argv);
    }

    private List<String> prefix() {
        return List.of("ctr", "--address", socket.toString(), "--namespace", NAMESPACE);
    }

    /** The pids of this containerd's shims: one per container, each the task's monitor. */
    List<Long> shims() {
        String address = "-address " + socket;
        return ProcessHandle.allProcesses().filter(h -> h.info().commandLine()
                        .map(l -> l.contains("containerd-shim") && l.contains(address)).orElse(false))
                .map(ProcessHandle::pid).toList();
    }

    @Override
    public void close() throws InterruptedException {
        if (daemon.isAlive()) {
            for (String line : ctr("task", "ls", "--quiet").out().lines().toList()) {
                ctr("task", "kill", "--signal", "SIGKILL", line.strip());
            }
            for (String line : ctr("task", "ls", "--quiet").out().lines().toList()) {
                ctr("task", "delete", "--force", line.strip());
            }
            for (String line : ctr("container", "ls", "--quiet").out().lines().toList()) {
                ctr("container", "delete", line.strip());
            }
        }
        Pidfd.stop(daemon, Duration.ofSeconds(10));
        for (long shim : shims()) {
            Pidfd.signal(shim, Pidfd.SIGKILL);
        }
    }
}
