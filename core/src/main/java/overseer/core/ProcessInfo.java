package overseer.core;

/** A live process that belongs to a task: its pid and its command name (/proc/PID/comm). */
public record ProcessInfo(long pid, String command) {
}
