package overseer.bench;

import org.zeroturnaround.exec.ProcessExecutor;

/** zt-exec with its defaults: ProcessBuilder underneath plus stream-pumping threads. */
final class ZtExecSpawner implements Spawner {
    @Override
    public void spawnAndWait() throws Exception {
        int code = new ProcessExecutor().command("/bin/true").execute().getExitValue();
        if (code != 0) {
            throw new IllegalStateException("/bin/true exited " + code);
        }
    }
}
