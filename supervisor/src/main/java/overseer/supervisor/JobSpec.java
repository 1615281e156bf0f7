package overseer.supervisor;

import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.TaskSpec;

import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A job for {@link Supervisor#run(JobSpec)}: what each run runs, typed, and how the job is run. A 0-core
 * command becomes one at the edge ({@link Supervisor#run(Command, JobOptions)}: its kind's factory makes
 * the process from its arguments); Java callers, slices and {@code overseer run} build one directly.
 *
 * @param command 0-core's face of the job: its id, the kind its results name, queue, max_time, max_restart,
 *                recurring_period, stats_interval, log_levels, tags, protected. Its arguments are those a
 *                0-core command came with (shown by job.list); a job built from Java has none, its process
 *                says everything
 * @param process what each run runs: a task, or a built-in
 * @param options restart policy, stop sequence, hooks, run-block
 */
public record JobSpec(Command command, JobProcess process, JobOptions options) {
    public JobSpec {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(options, "options");
    }

    public String id() {
        return command.id();
    }

    JobSpec withId(String id) {
        return new JobSpec(command.withId(id), process, options);
    }

    /** A job with the id {@code id} (empty: a UUID is given when it runs); say what it runs before building. */
    public static Builder builder(String id) {
        return new Builder(id);
    }

    public static final class Builder {
        private final Command.Builder command = Command.builder(CommandRegistry.SYSTEM);
        private final String id;
        private String kind;
        private JobProcess process;
        private JobOptions options = JobOptions.DEFAULT;

        private Builder(String id) {
            this.id = id;
        }

        /** Each run is a task of this spec (its id is the job's): limits and isolation included. */
        public Builder task(TaskSpec task) {
            return process(new JobProcess.System(task, Optional.empty()));
        }

        /** Each run is a host process of this spec, without limits. */
        public Builder process(ProcessSpec spec) {
            return process(new JobProcess.System(spec, Optional.empty()));
        }

        public Builder process(JobProcess p) {
            process = Objects.requireNonNull(p, "process");
            return this;
        }

        /** Java code as the job, named {@code kind} in its results. */
        public Builder builtIn(String kind, JobProcess.BuiltInCommand body) {
            this.kind = kind;
            return process(new JobProcess.BuiltIn(body));
        }

        /** The kind its results name; a task's is {@code core.system} unless given. */
        public Builder kind(String kind) {
            this.kind = kind;
            return this;
        }

        public Builder options(JobOptions o) {
            options = Objects.requireNonNull(o, "options");
            return this;
        }

        /**
         * 0-core's fields of the job (queue, max_time, max_restart, recurring_period, stats_interval, stream,
         * log_levels, tags, protected), set on its {@link Command.Builder}: {@code command(c -> c.queue("q"))}.
         * Its id is the one given to {@link #builder(String)} and its kind the one {@link #kind} or
         * {@link #builtIn} names, whatever this sets.
         */
        public Builder command(UnaryOperator<Command.Builder> fields) {
            fields.apply(command);
            return this;
        }

        public JobSpec build() {
            if (process == null) {
                throw OverseerException.invalidArgument("process: a job needs a task or a built-in to run");
            }
            String k = kind != null ? kind : switch (process) {
                case JobProcess.System s -> CommandRegistry.SYSTEM;
                case JobProcess.BuiltIn b -> throw OverseerException.invalidArgument(
                        "command: a built-in job needs a kind to name it in its results");
            };
            return new JobSpec(command.id(id).kind(k).build(), process, options);
        }
    }
}
