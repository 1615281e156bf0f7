package overseer.cli;

import overseer.core.OverseerException;
import overseer.core.Signal;
import overseer.core.Task;

import java.util.List;

/**
 * Passes the signals Overseer receives on to a task's process group, the way docker run's sig-proxy does,
 * so Ctrl-C reaches a command that runs in a process group of its own.
 */
final class Signals {
    private Signals() {
    }

    @SuppressWarnings("removal")
    static void forward(Task task, List<Signal> signals) {
        for (Signal s : signals) {
            sun.misc.Signal.handle(new sun.misc.Signal(s.name().substring(3)), received -> {
                try {
                    task.kill(s, true);
                } catch (OverseerException alreadyFinished) {
                    // the task ended as the signal arrived; its exit is being reported
                }
            });
        }
    }
}
