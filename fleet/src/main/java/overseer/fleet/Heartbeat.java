package overseer.fleet;

import java.util.List;

/**
 * A node's heartbeat, kept in {@code overseer-<fleet>-nodes} under its name.
 *
 * @param node    its name
 * @param host    the host it runs on
 * @param pid     the daemon's pid there
 * @param tags    its labels
 * @param slots   how many commands it runs at once
 * @param running the ids of the commands it runs now
 * @param at      when it wrote this, ms since the epoch
 */
public record Heartbeat(String node, String host, long pid, List<String> tags, int slots, List<String> running, long at) {
    public Heartbeat {
        tags = List.copyOf(tags);
        running = List.copyOf(running);
    }
}
