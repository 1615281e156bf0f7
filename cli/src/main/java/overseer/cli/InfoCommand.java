package overseer.cli;

import overseer.core.OverseerException;
import overseer.linux.CgroupLayout;
import overseer.oci.OciInfo;
import overseer.oci.OciRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code overseer info}: what this host offers the native runtime, starting with the cgroup layout found. */
@Command(name = "info", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Show the cgroup layout the native runtime found and the OCI runtime isolated tasks use.")
final class InfoCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Option(names = "--cgroup-root", paramLabel = "DIR", hidden = true, description = "The cgroup file system (default: /sys/fs/cgroup).")
    Path cgroupRoot = CgroupLayout.DEFAULT_ROOT;

    @Override
    public Integer call() {
        Map<String, Object> d = CgroupLayout.detect(cgroupRoot).describe();
        Map<String, Object> oci = oci();
        PrintStream out = System.out;
        if (json) {
            out.println(ExitJson.write(Map.of("cgroups", d, "oci", oci)));
            return 0;
        }
        out.println("cgroups");
        line(out, "root", d.get("root"));
        line(out, "usable", Boolean.TRUE.equals(d.get("usable")) ? "yes" : "no: " + d.get("problem"));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> controllers = (Map<String, Map<String, Object>>) d.get("controllers");
        controllers.forEach((name, c) -> line(out, name, c.get("version") + (c.containsKey("path") ? "  " + c.get("path") : "")));
        @SuppressWarnings("unchecked")
        Map<String, Object> v2 = (Map<String, Object>) d.get("v2");
        if (v2 == null) {
            line(out, "v2", "none");
        } else {
            line(out, "v2", v2.get("mount") + "  controllers: " + words(v2.get("controllers"))
                    + "  enabled for children: " + words(v2.get("enabled")));
            line(out, "v2 files", "cgroup.kill " + yes(v2.get("cgroup.kill")) + ", cgroup.freeze " + yes(v2.get("cgroup.freeze"))
                    + ", cgroup.events " + yes(v2.get("cgroup.events")));
            line(out, "v2 mount", Boolean.TRUE.equals(v2.get("favordynmods")) ? "favordynmods"
                    : "without favordynmods: a placement through cgroup.procs (not a clone into the cgroup) may wait"
                    + " for an RCU grace period (docs/cgroups.md)");
        }
        line(out, "tracking", d.get("tracking"));
        line(out, "kill", d.get("kill"));
        line(out, "freeze", d.get("freeze"));
        line(out, "placement", d.get("placement"));
        out.println("isolated tasks (oci)");
        oci.forEach((k, v) -> line(out, k, v instanceof List<?> l ? String.join("; ", l.stream().map(String::valueOf).toList()) : v));
        return 0;
    }

    /** The OCI runtime the probe chose and why; where isolated tasks cannot run, the reason. */
    private static Map<String, Object> oci() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        try {
            OciInfo i = OciRuntime.builder().stateDir(Path.of(System.getProperty("java.io.tmpdir"), "overseer-info-oci"))
                    .build().info();
            m.put("runtime", i.runtime() + " " + i.runtimeVersion() + " (" + i.runtimePath() + ")");
            m.put("conmon", i.conmonPath().map(p -> i.conmonVersion() + " (" + p + ")").orElse("not installed (a terminal or stdin is refused)"));
            m.put("cgroups", i.cgroups());
            m.put("checkpoint", i.checkpoint() ? "yes" : "unsupported: " + i.checkpointReason());
            m.put("notes", i.notes());
        } catch (OverseerException e) {
            m.put("available", "no: " + e.getMessage());
        }
        return m;
    }

    private static void line(PrintStream out, String key, Object value) {
        out.printf("  %-16s %s%n", key, value);
    }

    private static String words(Object list) {
        List<?> l = (List<?>) list;
        return l.isEmpty() ? "(none)" : String.join(" ", l.stream().map(String::valueOf).toList());
    }

    private static String yes(Object b) {
        return Boolean.TRUE.equals(b) ? "yes" : "no";
    }
}
