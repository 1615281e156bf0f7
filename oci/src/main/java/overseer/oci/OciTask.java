package overseer.oci;

import overseer.core.Isolation;
import overseer.core.OverseerException;
import overseer.core.ProcessInfo;
import overseer.core.ProcessOutput;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Resources;
import overseer.core.Signal;
import overseer.core.TaskStats;
import overseer.core.spi.RuntimeProcess;
import overseer.core.spi.RuntimeTask;
import overseer.linux.ProcessCgroup;
import overseer.linux.ProcessSampler;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An isolated task: an OCI container whose init process runs under its {@link Monitor}. Created means the bundle is
 * prepared and checked; the container itself is made and started in one run of the runtime when the task
 * starts (see {@link RuntimeBinary#conmonInitPrefix}). Task-wide operations go through the runtime binary.
 */
public final class OciTask extends OciProcess implements RuntimeTask {
    private final String namespace;
    private final String id;
    private final Isolation isolation;
    private final RootfsView view;
    private final Bundle.Ids ids;
    private final String program;
    private final String cgroupsPath;
    /** CPU % of each process since the previous stats call, as the native runtime measures it. */
    private final ProcessSampler sampler = new ProcessSampler();
    private volatile Resources resources;
    private volatile Path restoreImage;

    OciTask(OciRuntime runtime, TaskPaths paths, String namespace, String id, ProcessSpec spec, ProcessOutput output,
            Isolation isolation, RootfsView view, Bundle.Ids ids, String program, Resources resources, String cgroupsPath) {
        super(runtime, paths, spec, output);
        this.namespace = namespace;
        this.id = id;
        this.isolation = isolation;
        this.view = view;
        this.ids = ids;
        this.program = program;
        this.resources = resources;
        this.cgroupsPath = cgroupsPath;
    }

    @Override
    protected long launch() {
        try {
            Bundle.write(paths, namespace, id, spec, program, ids, resources, isolation, cgroupsPath);
        } catch (IOException e) {
            throw OverseerException.internal("cannot write the bundle of " + id, e);
        }
        Path image = restoreImage;
        return runtime.startMonitored(paths, new Monitor.Process(image == null ? Monitor.Mode.INIT : Monitor.Mode.RESTORE,
                spec.stdin() != Redirect.NULL, isolation.terminal(), ConmonLog.wanted(spec), Optional.ofNullable(image), cgroupsPath));
    }

    /** The start restores the checkpoint in {@code image} instead of running the process afresh. */
    void restoreFrom(Path image) {
        this.restoreImage = image;
    }

    @Override
    public void signal(Signal signal, boolean all) {
        requireRunning();
        sending(signal);
        Program.Result r = runtime.run(paths, all ? new String[] {"kill", "--all", id, Integer.toString(signal.number())}
                : new String[] {"kill", id, Integer.toString(signal.number())});
        if (!r.ok()) {
            String e = r.error();
            if (finished() || e.contains("not running") || e.contains("already finished") || e.contains("no such process")
                    || RuntimeBinary.isMissing(r)) {
                throw OverseerException.processFinished();
            }
            throw r.failure();
        }
    }

    @Override
    public RuntimeProcess exec(String execId, ProcessSpec execSpec, ProcessOutput execOutput) {
        OciRuntime.refuseTerminal(execSpec);
        runtime.requireMonitorFor(false, execSpec.stdin() != Redirect.NULL);
        requireRunning();
        String exe = view.resolveProgram(execSpec).toString();
        view.requireCwd(execSpec);
        RootfsView.requireRedirects(execSpec);
        view.requireShellForMerge(execSpec);
        TaskPaths p = paths.exec(execId);
        try {
            Files2.directories(p.exits());
            Files2.directories(p.persist());
            Bundle.writeProcess(p, execSpec, exe, UserIds.of(view, execSpec), isolation);
        } catch (IOException e) {
            Files2.deleteTree(p.dir());
            throw OverseerException.internal("cannot prepare exec " + execId, e);
        }
        return new OciExec(runtime, p, execSpec, execOutput, cgroupsPath);
    }

    @Override
    public void pause() {
        Program.Result r = runtime.run(paths, "pause", id);
        if (!r.ok()) {
            throw r.failure();
        }
    }

    @Override
    public void resume() {
        Program.Result r = runtime.run(paths, "resume", id);
        if (!r.ok()) {
            throw r.failure();
        }
    }

    /** Every process in the task's cgroup: cheaper than the runtime's ps, and the same list. */
    @Override
    public List<ProcessInfo> pids() {
        return ProcessCgroup.of(pid).map(ProcessCgroup::processes).orElse(List.of());
    }

    /** Before the start the new limits go into the bundle; after it, through the runtime's update. */
    @Override
    public synchronized void update(Resources r) {
        if (pid == 0) {
            resources = r;
            return;
        }
        requireRunning();
        Path file = paths.dir().resolve("update.json");
        try {
            Files.write(file, Bundle.JSON.writeValueAsBytes(Bundle.resources(r).entrySet().stream()
                    .filter(e -> !e.getKey().equals("devices"))
                    .collect(java.util.stream.Collectors.toMap(java.util.Map.Entry::getKey, java.util.Map.Entry::getValue))));
        } catch (IOException e) {
            throw OverseerException.internal("cannot write " + file, e);
        }
        Program.Result res = runtime.run(paths, "update", "-r", file.toString(), id);
        if (!res.ok()) {
            throw res.failure();
        }
        resources = r;
    }

    @Override
    public TaskStats stats() {
        requireRunning();
        return ProcessCgroup.of(pid).orElseThrow(() -> OverseerException.failedPrecondition("task %s: its init process is gone, no cgroup to read", id))
                .stats(sampler);
    }

    @Override
    public void onOom(Runnable listener) {
        this.onOom = listener;
    }

    /** Resizes the task's terminal (containerd's ResizePty): conmon's control fifo takes "1 rows cols". */
    @Override
    public void resizePty(int columns, int rows) {
        if (!isolation.terminal()) {
            throw OverseerException.failedPrecondition("task %s has no terminal", id);
        }
        requireRunning();
        try (FileOutputStream ctl = new FileOutputStream(paths.ctl().toFile())) {
            ctl.write(("1 " + rows + " " + columns + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw OverseerException.internal("cannot resize the terminal of " + id, e);
        }
    }

    /**
     * Checkpoints the running task into {@code image} with criu (runc checkpoint); with {@code leaveRunning} it
     * goes on running, else it stops. UNAVAILABLE "checkpoint is unsupported: REASON" where criu cannot work.
     */
    @Override
    public void checkpoint(Path image, boolean leaveRunning) {
        runtime.requireCheckpoint();
        requireRunning();
        List<String> args = new ArrayList<>(List.of("checkpoint", "--image-path", image.toString(),
                "--work-path", paths.dir().resolve("criu").toString()));
        if (leaveRunning) {
            args.add("--leave-running");
        }
        args.add(id);
        Program.Result r = runtime.run(paths, args.toArray(String[]::new));
        if (!r.ok()) {
            throw r.failure();
        }
    }

    /** The container's status as the runtime reports it ("running", "paused", "stopped"), or empty if it knows none. */
    public Optional<String> state() {
        Program.Result r = runtime.run(paths, "state", id);
        if (!r.ok()) {
            return Optional.empty();
        }
        return Optional.of(Bundle.JSON.readTree(r.stdout()).path("status").asString());
    }

    /** The pid of the init process (0 before the start). */
    public long pid() {
        return pid;
    }

    /** Completes with the exit of the init process. */
    public java.util.concurrent.CompletableFuture<overseer.core.Exit> onExit() {
        return exitFuture().copy();
    }

    @Override
    public void release() {
        forget();
        runtime.delete(this, paths, pid != 0);
    }

    String namespace() {
        return namespace;
    }

    /** The container's cgroup, the same absolute path in every hierarchy. */
    String cgroupsPath() {
        return cgroupsPath;
    }

    String id() {
        return id;
    }
}
