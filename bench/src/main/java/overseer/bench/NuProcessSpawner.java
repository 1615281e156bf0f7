package overseer.bench;

import com.zaxxer.nuprocess.NuAbstractProcessHandler;
import com.zaxxer.nuprocess.NuProcessBuilder;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** NuProcess: its own spawn path and epoll pump threads; stdio are pipes it drains. */
final class NuProcessSpawner implements Spawner {
    private static final List<String> TRUE = List.of("/bin/true");

    @Override
    public void spawnAndWait() throws InterruptedException {
        NuProcessBuilder b = new NuProcessBuilder(TRUE);
        b.setProcessListener(new NuAbstractProcessHandler() {
        });
        int code = b.start().waitFor(0, TimeUnit.SECONDS); // 0: no timeout
        if (code != 0) {
            throw new IllegalStateException("/bin/true exited " + code);
        }
    }
}
