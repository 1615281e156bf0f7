package overseer.server;

import overseer.core.ErrorKind;
import overseer.core.OverseerException;
import overseer.core.spi.StateStore;
import overseer.supervisor.Adoption;
import overseer.supervisor.Command;
import overseer.supervisor.Commands;
import overseer.supervisor.Job;
import overseer.supervisor.JobOptions;
import overseer.supervisor.JobRun;
import overseer.supervisor.JobState;
import overseer.supervisor.Ledger;
import overseer.supervisor.SliceFile;
import overseer.supervisor.SliceRunner;
import overseer.supervisor.Supervisor;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The supervisor's jobs and slices in the state store, so that they outlive the daemon: each submitted job
 * (its Command JSON as given, in submission order), the pid and start time of each run, the next run when
 * one is armed, and each slice (its YAML). A job's record goes when its result is stored, a slice's when it
 * is deleted. {@link #recover()} takes them all back when the daemon starts.
 */
final class JobLedger implements Ledger {
    private final Supervisor supervisor;
    private final StateStore store;

    JobLedger(Supervisor supervisor, StateStore store) {
        this.supervisor = supervisor;
        this.store = store;
    }

    /**
     * Records a job submitted through the API before it runs. A record left under the id by a job that is no
     * longer live is replaced; one of a live job stays (the supervisor refuses the duplicate).
     */
    void submitted(Command cmd, String json) {
        try {
            store.createJob(cmd.id(), cmd.queue(), json, Optional.empty(), Instant.now());
        } catch (OverseerException e) {
            if (e.kind() != ErrorKind.ALREADY_EXISTS) {
                throw e;
            }
            if (supervisor.jobs().containsKey(cmd.id())) {
                return; // refused as DUPILICATE_ID: the live job's record stays
            }
            store.forgetJob(cmd.id());
            store.createJob(cmd.id(), cmd.queue(), json, Optional.empty(), Instant.now());
        }
    }

    /** The start time of the run's process, as its runtime reports it; 0 when it is not running (or never ran). */
    private static long startTime(Job job, JobRun run) {
        return job.task().filter(t -> run.pid() > 0 && t.pid() == run.pid()).map(overseer.core.Task::startTime).orElse(0L);
    }

    @Override
    public void run(Job job, JobRun run) {
        StateStore.JobRun stored = new StateStore.JobRun(run.pid(), startTime(job, run), run.startedAt(),
                run.restarts(), run.resurrections(), run.nextRunAt());
        try {
            store.jobRun(job.command().id(), stored);
        } catch (OverseerException e) {
            if (e.kind() != ErrorKind.NOT_FOUND) {
                throw e;
            }
            // not a job the daemon keeps (a supervisor used from Java), or it ended meanwhile
        }
    }

    @Override
    public void sliceStarted(String name, String yaml, List<String> jobIds) {
        store.createSlice(name, yaml, Instant.now());
        record(name, jobIds);
    }

    @Override
    public void sliceDeleted(String name) {
        store.deleteSlice(name);
    }

    /** A record for each of the slice's jobs that has none (those that ended were forgotten with their result). */
    private void record(String slice, List<String> jobIds) {
        for (String id : jobIds) {
            if (supervisor.jobs().containsKey(id)) {
                continue; // a live job has the id: the slice will be refused, and that job's record must stay
            }
            store.forgetJob(id); // one left by a plain job of that id that ended without a result
            store.createJob(id, "", "", Optional.of(slice), Instant.now());
        }
    }

    /**
     * Takes back what the last daemon left, in submission order, before the API opens: a job whose process
     * still runs is adopted, one whose process ended meanwhile gets its true exit and its restart policy, a
     * queued job is queued again (behind the jobs of its queue taken back before it), a recurring or
     * restarting one runs when its next run is due. Then each slice is started again, its services whose
     * jobs still run taken back, not started twice. Returns what could not be taken back, one line each.
     */
    List<String> recover() {
        List<String> lost = new ArrayList<>();
        Map<String, Map<String, Adoption>> bySlice = new HashMap<>();
        for (StateStore.JobRecord r : store.jobs()) {
            Adoption left = new Adoption(new JobRun(r.run().pid(), r.run().startedAt(), r.run().restarts(),
                    r.run().resurrections(), r.run().nextRunAt()), r.run().startTime());
            if (r.slice().isPresent()) {
                bySlice.computeIfAbsent(r.slice().get(), s -> new HashMap<>()).put(r.id(), left);
                continue;
            }
            try {
                Job job = supervisor.adopt(Commands.parse(r.command()).withId(r.id()), JobOptions.DEFAULT, left);
                // refused (unknown kind, duplicate id, arguments refused): whatever process it had is not taken back
                job.lastResult().filter(x -> x.state() == JobState.UNKNOWN_CMD || x.state() == JobState.DUPILICATE_ID
                                || x.state() == JobState.ERROR && x.cause().isPresent())
                        .ifPresent(refused -> lost.add("job " + r.id() + ": " + refused.data()));
            } catch (RuntimeException e) {
                lost.add("job " + r.id() + ": " + e.getMessage());
                store.forgetJob(r.id());
            }
        }
        for (StateStore.SliceRecord s : store.slices()) {
            Map<String, Adoption> left = bySlice.getOrDefault(s.name(), Map.of());
            try {
                List<String> ids = new SliceRunner(supervisor, s.name() + "-").jobIds(SliceFile.parse(s.yaml()));
                record(s.name(), ids.stream().filter(id -> !left.containsKey(id)).toList());
                supervisor.slices().resume(s.name(), s.yaml(), left);
            } catch (RuntimeException e) {
                lost.add("slice " + s.name() + ": " + e.getMessage());
            }
        }
        return lost;
    }

    /** After a daemon stopped its jobs for good (--stop-tasks): nothing is left to take back. */
    void forgetAll() {
        store.slices().forEach(s -> store.deleteSlice(s.name()));
        store.jobs().forEach(j -> store.forgetJob(j.id()));
    }
}
