package overseer.supervisor;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** 0-core's hooks: Delay, Exit, Match, PID, Stream; a failing hook never hurts its job. */
class HooksTest extends SupervisorFixture {
    @Test
    void everyHookFires() throws Exception {
        AtomicLong pid = new AtomicLong();
        AtomicReference<JobState> exit = new AtomicReference<>();
        List<String> matched = new CopyOnWriteArrayList<>();
        List<String> delayed = new CopyOnWriteArrayList<>();
        JobHook.Stream stream = new JobHook.Stream();
        Job job = supervisor.run(shell(uniqueId("hooked"), "echo starting; echo 'listening on 8080'; sleep 0.5; echo done >&2"),
                JobOptions.builder()
                        .hook(new JobHook.Pid(pid::set))
                        .hook(JobHook.match("listening on (\\d+)", m -> matched.add(m.text())))
                        .hook(new JobHook.Delay(Duration.ofMillis(100), () -> delayed.add("fired")))
                        .hook(new JobHook.Exit(exit::set))
                        .hook(stream)
                        .build());
        JobResult r = job.await();
        assertThat(r.state()).isEqualTo(JobState.SUCCESS);
        await().atMost(Duration.ofSeconds(5)).until(() -> exit.get() != null);
        assertThat(exit.get()).isEqualTo(JobState.SUCCESS);
        assertThat(pid.get()).isPositive();
        assertThat(matched).containsExactly("listening on 8080");
        assertThat(delayed).containsExactly("fired");
        assertThat(stream.stdout()).isEqualTo("starting\nlistening on 8080\n");
        assertThat(stream.stderr()).isEqualTo("done\n");
    }

    @Test
    void delayHookDoesNotFireAfterTheProcessEnded() throws Exception {
        List<String> delayed = new CopyOnWriteArrayList<>();
        Job job = supervisor.run(shell(uniqueId("quick"), "true"), JobOptions.builder()
                .hook(new JobHook.Delay(Duration.ofMillis(300), () -> delayed.add("late"))).build());
        job.await();
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(1)).until(delayed::isEmpty);
    }

    @Test
    void aThrowingHookDoesNotKillItsJob() throws Exception {
        AtomicReference<JobState> exit = new AtomicReference<>();
        Job job = supervisor.run(shell(uniqueId("brave"), "echo x; exit 0"), JobOptions.builder()
                .hook(new JobHook.Pid(p -> {
                    throw new IllegalStateException("hook bug");
                }))
                .hook(JobHook.match("x", m -> {
                    throw new IllegalStateException("hook bug");
                }))
                .hook(new JobHook.Exit(exit::set))
                .build());
        assertThat(job.await().state()).isEqualTo(JobState.SUCCESS);
        await().atMost(Duration.ofSeconds(5)).until(() -> exit.get() == JobState.SUCCESS);
    }

    @Test
    void badRegexIsRefusedNamingTheField() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> JobHook.match("(unclosed", m -> { }))
                .hasMessageStartingWith("hook.match: not a valid regular expression");
    }
}
