package overseer.core;

import java.util.Locale;

/** The status of a task or process, as containerd names them. */
public enum Status {
    CREATED, RUNNING, STOPPED, DELETED, PAUSED, PAUSING;

    /** The lower-case word used in error messages and JSON ("running"). */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
