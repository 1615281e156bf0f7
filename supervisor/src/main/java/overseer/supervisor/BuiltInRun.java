package overseer.supervisor;

import java.time.Duration;

/**
 * A run of a built-in: its Java code on a virtual thread, interrupted to stop it (a kill, max_time). Its
 * return value is the result's data as JSON; a {@link JobError} fails it with its code, anything else it
 * throws with 500.
 */
final class BuiltInRun {
    private final SupervisedJob job;
    private final Run r;
    private final JobProcess.BuiltIn builtIn;

    BuiltInRun(SupervisedJob job, Run r, JobProcess.BuiltIn builtIn) {
        this.job = job;
        this.r = r;
        this.builtIn = builtIn;
    }

    Run.Outcome run() throws InterruptedException {
        Command cmd = job.command();
        Object[] value = new Object[1];
        Throwable[] failure = new Throwable[1];
        JobProcess.Context ctx = new JobProcess.Context() {
            @Override
            public Command command() {
                return cmd;
            }

            @Override
            public void message(int level, String text) {
                r.messages.message(level, text);
            }
        };
        Thread t = Thread.ofVirtual().name("builtin-" + cmd.id()).unstarted(() -> {
            try {
                value[0] = builtIn.body().run(ctx);
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        r.builtIn = t;
        t.start();
        if (job.killRequested()) {
            job.stop(r);
        }
        if (cmd.maxTime() > 0) {
            r.schedule(() -> {
                r.timedOut = true;
                t.interrupt();
            }, Duration.ofSeconds(cmd.maxTime()));
        }
        t.join(); // what the thread wrote is visible from here
        if (r.stopping) {
            return Run.Outcome.ended(r.result(JobState.KILLED, 0));
        }
        if (r.timedOut) {
            return Run.Outcome.ended(r.result(JobState.TIMEOUT, 0));
        }
        if (failure[0] instanceof JobError e) {
            r.messages.message(Message.CRITICAL, e.getMessage());
            return Run.Outcome.ended(r.result(JobState.ERROR, e.code()));
        }
        if (failure[0] != null) {
            r.messages.message(Message.CRITICAL, failure[0].toString());
            return Run.Outcome.ended(r.result(JobState.ERROR, 500));
        }
        r.messages.data(value[0] instanceof String str ? Commands.JSON.writeValueAsString(str)
                : Commands.JSON.writeValueAsString(value[0]), 20);
        return Run.Outcome.ended(r.result(JobState.SUCCESS, 0));
    }
}
