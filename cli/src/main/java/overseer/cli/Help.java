package overseer.cli;

import picocli.CommandLine;

import java.util.LinkedHashMap;
import java.util.Map;

/** What `overseer help VERB` ends with: an example, as docker's help shows one, and the exit codes. */
final class Help {
    private static final Map<String, String> EXAMPLES = Map.ofEntries(
            Map.entry("run", "overseer run --memory 64m --restart on-failure -- /bin/sh -c 'echo hi; exit 3'"),
            Map.entry("slice", "overseer slice services.yaml"),
            Map.entry("info", "overseer info --json"),
            Map.entry("daemon", "overseer daemon --socket /run/overseer/overseer.sock --services /etc/overseer/services"),
            Map.entry("ps", "overseer ps -a --format json"),
            Map.entry("create", "overseer create --memory 64m --restart always web -- /usr/bin/redis-server"),
            Map.entry("start", "overseer start -a web"),
            Map.entry("stop", "overseer stop -t 30 web"),
            Map.entry("restart", "overseer restart web"),
            Map.entry("reload", "overseer reload"),
            Map.entry("kill", "overseer kill -s HUP web"),
            Map.entry("pause", "overseer pause web"),
            Map.entry("resume", "overseer resume web"),
            Map.entry("rm", "overseer rm -f web worker"),
            Map.entry("inspect", "overseer inspect web"),
            Map.entry("top", "overseer top web"),
            Map.entry("wait", "overseer wait --timeout 30s web"),
            Map.entry("logs", "overseer logs -f web"),
            Map.entry("events", "overseer events --topic '/tasks/*'"),
            Map.entry("exec", "overseer exec -it web -- /bin/sh"),
            Map.entry("stats", "overseer stats --no-stream"),
            Map.entry("update", "overseer update --memory 128m web"),
            Map.entry("ui", "overseer ui --port 8080"),
            Map.entry("generate-completion", "source <(overseer generate-completion)"));

    /** The verbs that exit with their process's code; the others exit 0 when they did what was asked. */
    private static final Map<String, String> PROCESS_EXIT = Map.of(
            "run", "the command's exit code (128 + N when signal N ended it)",
            "wait", "the task's exit code (128 + N when signal N ended it)",
            "exec", "the process's exit code (128 + N when signal N ended it)",
            "start", "with -a, the task's exit code; else 0");

    private Help() {
    }

    static void apply(CommandLine root) {
        root.getSubcommands().forEach((name, cl) -> {
            String example = EXAMPLES.get(name);
            if (example != null) {
                cl.getCommandSpec().usageMessage().footerHeading("%nExample:%n").footer("  " + example.replace("%", "%%"));
            }
            Map<String, String> codes = new LinkedHashMap<>();
            codes.put("0", PROCESS_EXIT.getOrDefault(name, "done"));
            if (name.equals("rm")) {
                codes.put("1", "some of the tasks could not be removed (each is named on stderr)");
            }
            codes.put("2", "a usage error: an unknown flag, a malformed value (the message names it)");
            codes.put("125", "Overseer could not do it: no daemon, no such task, a refused transition");
            if (name.equals("run") || name.equals("exec")) {
                codes.put("126", "the command cannot be executed");
                codes.put("127", "the command is not found");
            }
            cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(codes);
        });
    }
}
