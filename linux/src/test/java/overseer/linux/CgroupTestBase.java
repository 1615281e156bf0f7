package overseer.linux;

import org.junit.jupiter.api.AfterEach;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests on real cgroups: whatever fixture a test opened is closed after it, and must leave no cgroup behind. */
abstract class CgroupTestBase {
    protected CgroupFixture cg;

    @AfterEach
    void closeCgroups() {
        if (cg != null) {
            cg.close();
            assertThat(cg.leftovers()).as("cgroups left behind").isEmpty();
        }
    }
}
