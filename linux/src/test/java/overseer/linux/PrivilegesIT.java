package overseer.linux;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import overseer.core.ErrorKind;
import overseer.core.LogStream;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Resources;
import overseer.core.Task;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** 0-core's SetUnprivileged and running a process as another user, for real (as root). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PrivilegesIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private CgroupFixture cg;

    @AfterEach
    void cleanUp() {
        if (cg != null) {
            cg.close();
        }
    }

    private static List<String> run(overseer.core.TaskProcess t) throws Exception {
        t.await(WAIT).orElseThrow();
        t.output().drained().get(10, TimeUnit.SECONDS);
        return t.output().tail(LogStream.STDOUT).lines();
    }

    /** The bounding set of a process, from its /proc/PID/status. */
    private static long capBnd(List<String> statusLines) {
        String line = statusLines.stream().filter(l -> l.startsWith("CapBnd:")).findFirst().orElseThrow();
        return Long.parseUnsignedLong(line.substring("CapBnd:".length()).strip(), 16);
    }

    @Test
    void setUnprivilegedDropsCapabilitiesFromEveryProcessSpawnedAfterwards() throws Exception {
        cg = CgroupFixture.detected();
        Task before = cg.start("before", ProcessSpec.of("/bin/sleep", "1000"), Resources.NONE);
        ProcessSpec status = ProcessSpec.builder("/bin/cat", "/proc/self/status").stdout(Redirect.PIPE).build();
        long full = capBnd(run(cg.start("full", status, Resources.NONE)));
        assertThat(full & (1L << Capability.SYS_ADMIN.number())).isNotZero();

        cg.runtime.setUnprivileged(Set.of(Capability.SYS_ADMIN, Capability.NET_ADMIN));

        long plain = capBnd(run(cg.start("plain", status, Resources.NONE)));
        long limited = capBnd(run(cg.start("limited", status, Resources.builder().pidsLimit(8).build())));
        long dropped = (1L << Capability.SYS_ADMIN.number()) | (1L << Capability.NET_ADMIN.number());
        assertThat(plain).isEqualTo(full & ~dropped);
        assertThat(limited).as("spawned by a placing thread").isEqualTo(full & ~dropped);
        assertThat(capBnd(Files.readAllLines(Path.of("/proc", Long.toString(before.pid()), "status"))))
                .as("a task started before keeps its capabilities").isEqualTo(full);
        assertThat(cg.runtime.droppedCapabilities()).containsExactlyInAnyOrder(Capability.SYS_ADMIN, Capability.NET_ADMIN);

        // One way: dropping more adds to the set, nothing comes back.
        cg.runtime.setUnprivileged(Set.of(Capability.SYS_MODULE));
        long more = capBnd(run(cg.start("more", status, Resources.NONE)));
        assertThat(more).isEqualTo(full & ~dropped & ~(1L << Capability.SYS_MODULE.number()));
        before.kill(Instant.now().plus(WAIT));
    }

    @Test
    void theDefaultUnprivilegedSetKeepsOnlyWhatDockerGrants() throws Exception {
        cg = CgroupFixture.detected();
        cg.runtime.setUnprivileged();
        long bnd = capBnd(run(cg.start("docker", ProcessSpec.builder("/bin/cat", "/proc/self/status")
                .stdout(Redirect.PIPE).build(), Resources.NONE)));
        long expected = Capability.DOCKER_DEFAULT.stream().mapToLong(c -> 1L << c.number()).reduce(0, (a, b) -> a | b);
        assertThat(bnd).isEqualTo(expected);
    }

    @Test
    void runsATaskAsAnotherUserAndGroup() throws Exception {
        cg = CgroupFixture.detected();
        assumeTrue(cg.runtime.features().contains(overseer.core.spi.TaskRuntime.Feature.USER), "setpriv(1) is not installed");
        ProcessSpec id = ProcessSpec.builder("/bin/sh", "-c", "id -u; id -g; id -G").env("PATH", CgroupFixture.PATH)
                .stdout(Redirect.PIPE).user("nobody:nogroup").build();

        assertThat(run(cg.start("nobody", id, Resources.NONE))).containsExactly("65534", "65534", "65534");
        // The same through the v2 gate and a placing thread.
        assertThat(run(cg.start("nobody-limited", id, Resources.builder().pidsLimit(8).build())))
                .containsExactly("65534", "65534", "65534");
        ProcessSpec numeric = id.toBuilder().user("1234:4321").build();
        assertThat(run(cg.start("numeric", numeric, Resources.NONE))).containsExactly("1234", "4321", "4321");
    }

    @Test
    void anExecdProcessRunsAsItsOwnUser() throws Exception {
        cg = CgroupFixture.detected();
        assumeTrue(cg.runtime.features().contains(overseer.core.spi.TaskRuntime.Feature.USER), "setpriv(1) is not installed");
        Task t = cg.start("host", ProcessSpec.of("/bin/sleep", "1000"), Resources.builder().pidsLimit(8).build());
        overseer.core.TaskProcess p = t.exec("as-nobody", ProcessSpec.builder("/usr/bin/id", "-u").stdout(Redirect.PIPE)
                .user("nobody").build());
        p.start();
        assertThat(run(p)).containsExactly("65534");
        t.kill(Instant.now().plus(WAIT));
    }

    @Test
    void anUnknownUserIsRefusedNamingTheField() {
        cg = CgroupFixture.detected();
        OverseerException e = catchThrowableOfType(OverseerException.class, () -> cg.create("ghost",
                ProcessSpec.builder("/bin/true").user("no-such-user-here").build(), Resources.NONE));
        assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
        assertThat(e.getMessage()).startsWith("user: no user \"no-such-user-here\"");
    }

    @Test
    void switchingUsersIsRefusedOnceSetuidWasDropped() {
        cg = CgroupFixture.detected();
        cg.runtime.setUnprivileged(Set.of(Capability.SETUID));
        OverseerException e = catchThrowableOfType(OverseerException.class, () -> cg.create("nosetuid",
                ProcessSpec.builder("/bin/true").user("nobody").build(), Resources.NONE));
        assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);
        assertThat(e.getMessage()).startsWith("user: ").contains("CAP_SETUID");
    }
}
