package overseer.oci;

import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A test child (zt-exec style): a JVM that starts one isolated task, prints "started PID" and then waits to be
 * killed. The task waits for /local/go to appear, prints "done" and exits 7.
 *
 * <p>Arguments: state directory, cgroup parent, runtime name, namespace, task id, and "conmon" for a task
 * under conmon even where overseer-monitor would watch it.
 */
public final class DetachedStarter {
    private DetachedStarter() {
    }

    public static void main(String[] args) throws InterruptedException {
        OciRuntime runtime = OciRuntime.builder().stateDir(Path.of(args[0])).cgroupParent(args[1]).runtime(args[2])
                .conmonAlways(args.length > 5 && args[5].equals("conmon")).build();
        Tasks tasks = new Tasks(runtime);
        Task t = tasks.create(args[3], TaskSpec.of(args[4], ProcessSpec.builder("/bin/sh", "-c",
                "echo waiting; while [ ! -e /local/go ]; do sleep 0.05; done; echo done; exit 7")
                .env("PATH", "/usr/bin:/bin").stdout(Redirect.PIPE).build()));
        t.start();
        System.out.println("started " + t.pid());
        System.out.flush();
        new CountDownLatch(1).await(); // until SIGKILL
    }
}
