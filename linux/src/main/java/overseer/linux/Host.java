package overseer.linux;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What every process of one native runtime shares: the event loop that watches it, the spawner that starts
 * it, setpriv(1), through which a process runs as another user, the gate a process waits behind until it is
 * placed in its v2 cgroups, whether a task's process may instead be cloned straight into a v2 cgroup that is
 * its only one ({@link CloneSpawn}), and the exits directory where the monitor
 * records the exits of processes that are no longer our children; and the terminal a foreground command is
 * given (see {@link NativeRuntime.Options#terminal()}).
 */
record Host(EventLoop loop, Spawner spawner, Optional<Path> setpriv, Gate gate, boolean cloneIntoCgroup, Optional<Path> exitDir,
            Optional<ControllingTerminal> terminal) {
}
