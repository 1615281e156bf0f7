package overseer.supervisor;

import java.time.Instant;

/**
 * A slice service's state now ({@link SliceRun#status}).
 *
 * @param jobId the id of its job (whether or not it was started)
 */
public record ServiceStatus(String service, SliceRun.State state, String reason, Instant since, String jobId) {
}
