package overseer.cli;

import overseer.linux.CgroupLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code overseer info}: what this host offers the native runtime, starting with the cgroup layout found. */
@Command(name = "info", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Show the cgroup layout the native runtime found on this host.")
final class InfoCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Option(names = "--cgroup-root", paramLabel = "DIR", hidden = true, description = "The cgroup file system (default: /sys/fs/cgroup).")
    Path cgroupRoot = CgroupLayout.DEFAULT_ROOT;

    @Override
    public Integer call() {
        Map<String, Object> d = CgroupLayout.detect(cgroupRoot).describe();
        PrintStream out = System.out;
        if (json) {
            out.println(ExitJson.write(Map.of("cgroups", d)));
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
        }
        line(out, "tracking", d.get("tracking"));
        line(out, "kill", d.get("kill"));
        line(out, "freeze", d.get("freeze"));
        line(out, "placement", d.get("placement"));
        return 0;
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
