package overseer.linux;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What every process of one native runtime shares: the event loop that watches it, the spawner that starts
 * it, and setpriv(1), through which a process runs as another user.
 */
record Host(EventLoop loop, Spawner spawner, Optional<Path> setpriv) {
}
