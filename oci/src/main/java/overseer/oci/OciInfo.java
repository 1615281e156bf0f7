package overseer.oci;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What the oci runtime found on this host, for {@code overseer info}.
 *
 * @param runtime           "runc" or "crun": the binary tasks run on
 * @param runtimePath       its path
 * @param runtimeVersion    its first --version line
 * @param conmonPath        conmon, the monitor of a process with a terminal or stdin; empty where it is not installed
 * @param conmonVersion     its first --version line ("" without it)
 * @param cgroups           "v2", "hybrid" (v1 controllers, an empty v2 mount beside them) or "v1"
 * @param notes             why this runtime was chosen: each candidate tried and what it answered
 * @param checkpoint        whether checkpoint and restore work here ({@code criu check} passed)
 * @param checkpointReason  why they do not, when they do not
 */
public record OciInfo(String runtime, Path runtimePath, String runtimeVersion, Optional<Path> conmonPath, String conmonVersion,
                      String cgroups, List<String> notes, boolean checkpoint, String checkpointReason) {
    public OciInfo {
        notes = List.copyOf(notes);
    }
}
