package overseer.oci;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * After a test class: every container it left is destroyed, the test JVM's mount namespace has as many mounts
 * as before (runc without a mount namespace of its own would stack one per task, DESIGN.md), and no cgroup
 * and no monitor is left behind.
 */
final class LeavesNothing implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LeavesNothing.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NS).put("mounts", Cgroups.mountCount());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        OciTesting.destroyAll();
        assertThat(Cgroups.mountCount()).as("mounts in the test JVM's namespace")
                .isEqualTo(context.getStore(NS).get("mounts", Integer.class));
        assertThat(OciTesting.leftoverCgroups()).as("cgroups left behind").isEmpty();
        // A monitor ends just after its process, which the deletes above killed.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(OciTesting.leftoverMonitors()).as("monitors left running").isEmpty());
    }
}
