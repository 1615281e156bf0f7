package overseer.oci;

import overseer.linux.BundledProgram;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * overseer-monitor (linux/src/main/c/monitor.c): Overseer's own monitor for a process with neither a terminal
 * nor stdin, which is most of them. It keeps conmon's files and sync line, so the rest of this package cannot
 * tell them apart, and costs some 0.3 ms before the runtime's exec where conmon costs 4 ms (a static program
 * against glib's start-up; docs/benchmarks.md §20). A restore stays with conmon, which knows criu's options.
 */
record OverseerMonitor(String path) implements Monitor {
    /** The bundled program, if this build has it and the kernel runs it (it refuses its arguments: 125). */
    static Optional<OverseerMonitor> bundled() {
        return BundledProgram.MONITOR.path().filter(OverseerMonitor::runs).map(OverseerMonitor::new);
    }

    private static boolean runs(String path) {
        try {
            return Program.run(List.of(path)).exitCode() == 125;
        } catch (RuntimeException refused) {
            System.getLogger(OverseerMonitor.class.getName()).log(System.Logger.Level.WARNING,
                    "overseer-monitor does not run here (" + refused.getMessage() + "); every process runs under conmon");
            return false;
        }
    }

    @Override
    public String name() {
        return "overseer-monitor";
    }

    @Override
    public boolean handles(Process p) {
        return !p.stdin() && !p.terminal() && p.mode() != Mode.RESTORE;
    }

    @Override
    public List<String> argv(RuntimeBinary runtime, TaskPaths paths, Process p) {
        List<String> argv = new ArrayList<>(List.of(path, "--monitor-pid-file=" + paths.conmonPidFile(),
                "--pid-file=" + paths.pidFile(), "--exit-file=" + paths.exitFile(), "--oom-file=" + paths.oomFile()));
        if (p.logs()) {
            argv.add("--log=" + paths.log());
            argv.add("--log-size-max=" + LOG_SIZE_MAX);
        }
        Cgroups.oomCounters(p.cgroupsPath()).forEach(f -> argv.add("--oom-counter=" + f));
        argv.add("--");
        // The runtime's command line as conmon would make it.
        if (p.mode() == Mode.INIT) {
            argv.addAll(runtime.conmonInitPrefix(paths.runtimeRoot(), paths.runtimeLog()));
            argv.addAll(List.of("create", "--bundle", paths.dir().toString(), "--pid-file", paths.pidFile().toString(),
                    paths.containerId()));
        } else {
            argv.addAll(runtime.prefix(paths.runtimeRoot(), paths.runtimeLog()));
            argv.addAll(List.of("exec", "--pid-file", paths.pidFile().toString(), "--process", paths.process().toString(),
                    "--detach", paths.containerId()));
        }
        return argv;
    }
}
