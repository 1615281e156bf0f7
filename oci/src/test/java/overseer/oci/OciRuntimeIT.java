package overseer.oci;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import overseer.core.RuntimeContract;
import overseer.core.spi.TaskRuntime;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The oci runtime against the contract every runtime passes, with real conmon and runc (or crun). The tasks
 * share the host's /tmp and pid namespace ({@link OciTesting#hostLike}); the few contract tests that cannot
 * hold for a container at all are skipped by {@link Differences}, each with the reason.
 */
@ExtendWith(OciRuntimeIT.Differences.class)
@ExtendWith(LeavesNothing.class)
class OciRuntimeIT extends RuntimeContract {

    /** "auto": crun where it runs (with its cgroup v2 mount covered on a hybrid host), else runc. */
    protected String runtimeName() {
        return "auto";
    }

    @Override
    protected TaskRuntime newRuntime() {
        OciTesting.assumeUsable();
        return OciTesting.builder(runtimeName()).isolation(OciTesting.hostLike()).build();
    }

    /** Contract tests that cannot hold for an OCI container, and why. */
    static final class Differences implements ExecutionCondition {
        static final Map<String, String> REASONS = Map.of(
                "theEnvironmentIsExactlyTheSpecs",
                "runc and crun set HOME from the user's passwd entry when the environment has none (runc's setupUser),"
                        + " so a container's environment is the spec's plus HOME; Overseer adds Nomad's"
                        + " NOMAD_ALLOC_DIR, NOMAD_TASK_DIR and NOMAD_SECRETS_DIR (docs/compatibility.md)");

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getTestMethod().map(m -> REASONS.get(m.getName()))
                    .map(ConditionEvaluationResult::disabled)
                    .orElse(ConditionEvaluationResult.enabled("holds for OCI containers"));
        }
    }
}
