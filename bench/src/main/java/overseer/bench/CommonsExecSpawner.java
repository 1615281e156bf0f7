package overseer.bench;

import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;

/** Apache Commons Exec with its defaults (it throws ExecuteException on a non-zero exit). */
final class CommonsExecSpawner implements Spawner {
    @Override
    public void spawnAndWait() throws Exception {
        DefaultExecutor.builder().get().execute(CommandLine.parse("/bin/true"));
    }
}
