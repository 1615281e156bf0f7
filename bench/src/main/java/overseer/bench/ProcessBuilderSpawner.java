package overseer.bench;

import java.io.File;

/** The JDK's own ProcessBuilder, with every stream kept off pipes so no pump thread is involved. */
final class ProcessBuilderSpawner implements Spawner {
    private static final File DEV_NULL = new File("/dev/null");

    @Override
    public void spawnAndWait() throws Exception {
        Process p = new ProcessBuilder("/bin/true")
                .redirectInput(DEV_NULL)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        int code = p.waitFor();
        if (code != 0) {
            throw new IllegalStateException("/bin/true exited " + code);
        }
    }
}
