package overseer.supervisor;

import java.time.Instant;

/**
 * One change of a slice service's state, as a {@link SliceRun}'s listeners get it.
 *
 * @param reason what caused it, in plain words ("matched \"ready\"", "exit status 1",
 *               "dependency db failed: exit status 1")
 */
public record ServiceChange(Instant time, String service, SliceRun.State from, SliceRun.State to, String reason) {
}
