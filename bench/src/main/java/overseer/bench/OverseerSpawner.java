package overseer.bench;

import overseer.core.Exit;
import overseer.core.ProcessSpec;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;

import java.util.concurrent.atomic.AtomicLong;

/** Overseer's native runtime, driven the way an embedding application would: run, await, delete. */
final class OverseerSpawner implements Spawner {
    private static final ProcessSpec TRUE = ProcessSpec.of("/bin/true"); // stdio on /dev/null, empty env

    private final Tasks tasks = new Tasks(new NativeRuntime());
    private final AtomicLong ids = new AtomicLong();

    @Override
    public void spawnAndWait() throws InterruptedException {
        Task t = tasks.run(TaskSpec.of("t" + ids.incrementAndGet(), TRUE));
        Exit exit = t.await();
        t.delete();
        if (!exit.success()) {
            throw new IllegalStateException("/bin/true ended with " + exit);
        }
    }

    @Override
    public void close() {
        tasks.close();
    }
}
