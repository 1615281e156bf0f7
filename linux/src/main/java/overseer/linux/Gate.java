package overseer.linux;

import java.util.List;
import java.util.Map;

/**
 * What a gated process (see {@link ProcessPlans}) runs until Overseer has placed it in its v2 cgroups: a
 * program that reads one line from descriptor 3, closes it and execs the rest of its command line. Either
 * {@link Program overseer-gate}, built with this module ({@link NativeGate}), or, where there is none, the shell.
 */
sealed interface Gate {
    /** The gate's own path, what posix_spawn runs. */
    String path();

    /** The command line up to the program the gate execs, for a spec whose environment is {@code env}. */
    List<String> argv(Map<String, String> env);

    /** overseer-gate (src/main/c/gate.c): no loader, no libc, and the environment passed on untouched. */
    record Program(String path) implements Gate {
        @Override
        public List<String> argv(Map<String, String> env) {
            return List.of("overseer-gate");
        }
    }

    /** {@code /bin/sh} with {@link ProcessPlans#GATE_SCRIPT}: everywhere, but a dynamic program's start-up dearer. */
    record Shell() implements Gate {
        @Override
        public String path() {
            return ProcessPlans.SH;
        }

        @Override
        public List<String> argv(Map<String, String> env) {
            String pwd = env.get("PWD");
            return pwd == null ? List.of(ProcessPlans.SH, "-c", ProcessPlans.GATE_SCRIPT, "overseer-gate")
                    : List.of(ProcessPlans.SH, "-c", ProcessPlans.GATE_SCRIPT_PWD, "overseer-gate", pwd);
        }
    }

    /** The best gate this JVM can run: overseer-gate if the build made one for this machine and it runs here. */
    static Gate best() {
        return NativeGate.loaded().map(Gate.class::cast).orElseGet(Shell::new);
    }
}
