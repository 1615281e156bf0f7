package overseer.core;

import java.util.Locale;
import java.util.Objects;

/**
 * Lambda's cgroup profiles: the limits a task gets while it is throttled (between invocations, and always
 * on thaw) and while it is unthrottled.
 */
public record CgroupProfiles(Resources throttled, Resources unthrottled) {
    public CgroupProfiles {
        Objects.requireNonNull(throttled, "throttled");
        Objects.requireNonNull(unthrottled, "unthrottled");
    }

    public enum Name {
        THROTTLED, UNTHROTTLED;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Resources get(Name name) {
        return name == Name.THROTTLED ? throttled : unthrottled;
    }
}
