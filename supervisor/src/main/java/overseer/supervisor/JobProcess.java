package overseer.supervisor;

import overseer.core.ProcessSpec;
import overseer.core.TaskSpec;

import java.util.Optional;

/** What a command kind makes of a command: a host process to supervise, or Java code to run. */
public sealed interface JobProcess {
    /**
     * A process run as a task: {@code task} is the spec of each run's task (its id is replaced by the job's),
     * so it may carry limits and isolation. {@code stdin}, when present, is written to its stdin, which is
     * then closed (0-core's SystemCommandArguments.stdin).
     */
    record System(TaskSpec task, Optional<String> stdin) implements JobProcess {
        /** A host process without limits. */
        public System(ProcessSpec spec, Optional<String> stdin) {
            this(TaskSpec.of("job", spec), stdin);
        }

        TaskSpec forJob(String jobId) {
            return new TaskSpec(jobId, task.process(), task.resources(), task.profiles(), task.startProfile(),
                    task.isolation());
        }
    }

    /** A built-in: Java code run on a virtual thread, interrupted to stop it. */
    record BuiltIn(BuiltInCommand body) implements JobProcess {
    }

    /** Turns a command into a JobProcess; INVALID_ARGUMENT for arguments it cannot use. */
    @FunctionalInterface
    interface Factory {
        JobProcess create(Command command);
    }

    /** A built-in command; its return value becomes the result's data, as JSON. */
    @FunctionalInterface
    interface BuiltInCommand {
        Object run(Context context) throws Exception;
    }

    /**
     * What a built-in sees: its command, and a way to emit messages (level 1 for output, 10 for statistics,
     * 20 for a JSON result...).
     */
    interface Context {
        Command command();

        void message(int level, String text);
    }
}
