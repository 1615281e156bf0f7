package overseer.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;
import overseer.core.Resources;
import overseer.core.Task;
import overseer.linux.CgroupLayout.Controller;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static overseer.linux.CgroupFixture.sh;

/** A write the kernel refuses, on a real cgroup: its errno decides the error kind, not its words. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CgroupRefusalTest extends CgroupTestBase {
    @Test
    void aValueTheKernelCallsInvalidIsInvalidArgumentNamingTheField() {
        cg = CgroupFixture.detected();
        assumeTrue(cg.layout.version(Controller.CPU) == CgroupLayout.Version.V1, "the cpu controller is not on v1 here");
        Task t = cg.start("refused", sh("exec sleep 1000").build(), Resources.builder().cpus(1).build());
        Path quota = cg.dir(Controller.CPU, t).resolve("cpu.cfs_quota_us");

        OverseerException e = catchThrowableOfType(OverseerException.class,
                () -> TaskCgroup.set("resources.cpus", quota, "ten"));

        assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
        assertThat(e.getMessage()).isEqualTo("resources.cpus: the kernel refused \"ten\" for " + quota + ": Invalid argument");
    }
}
