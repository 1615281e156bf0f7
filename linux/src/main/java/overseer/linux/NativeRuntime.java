package overseer.linux;

import overseer.core.Executables;
import overseer.core.ProcessOutput;
import overseer.core.TaskSpec;
import overseer.core.spi.Runtime;
import overseer.core.spi.RuntimeTask;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

/**
 * Host processes on Linux without the JDK's process machinery: posix_spawn through FFM, exit detection
 * with pidfd_open and one epoll thread for all processes, status by waitid(P_PIDFD), every signal to a
 * single process through pidfd_send_signal.
 */
public final class NativeRuntime implements Runtime {
    private final EventLoop loop = new EventLoop("overseer-epoll");

    @Override
    public String name() {
        return "native";
    }

    @Override
    public Set<Feature> features() {
        return EnumSet.allOf(Feature.class);
    }

    @Override
    public RuntimeTask create(String namespace, TaskSpec spec, ProcessOutput output) {
        Path exe = Executables.resolve(spec.process());
        Executables.requireCwd(spec.process());
        Executables.requireRedirects(spec.process());
        return new NativeTask(loop, spec.process(), exe, output);
    }

    /** How many descriptors the event loop watches (pidfds and pipes): a leak shows here first. */
    public int watched() {
        return loop.watched();
    }

    @Override
    public void close() {
        loop.close();
    }
}
