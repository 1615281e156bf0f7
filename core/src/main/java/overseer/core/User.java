package overseer.core;

import java.util.Objects;
import java.util.Optional;

/**
 * Who a process runs as, written as docker's {@code --user}: {@code user[:group]}, each a name or a number.
 * Names are resolved by the runtime (through /etc/passwd and /etc/group on Linux) when the task is created.
 *
 * @param user  a user name or a numeric uid
 * @param group a group name or a numeric gid; empty means the user's primary group
 */
public record User(String user, Optional<String> group) {
    public User {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(group, "group");
        requireName("user", user);
        group.ifPresent(g -> requireName("user", g));
    }

    /** {@code "name"}, {@code "1000"}, {@code "name:group"}, {@code "1000:1000"}. */
    public static User parse(String spec) {
        if (spec == null) {
            throw OverseerException.invalidField("user", "must be given");
        }
        int colon = spec.indexOf(':');
        if (colon < 0) {
            return new User(spec, Optional.empty());
        }
        return new User(spec.substring(0, colon), Optional.of(spec.substring(colon + 1)));
    }

    private static void requireName(String field, String v) {
        if (v.isEmpty() || v.indexOf(':') >= 0 || v.indexOf('\0') >= 0 || v.indexOf('\n') >= 0 || v.isBlank()) {
            throw OverseerException.invalidField(field, "\"%s\" is not a valid user or group (name or number)", v);
        }
    }

    /** Whether {@code v} is a number (a uid or gid) rather than a name. */
    public static boolean numeric(String v) {
        return !v.isEmpty() && v.chars().allMatch(c -> c >= '0' && c <= '9') && v.length() <= 10;
    }

    @Override
    public String toString() {
        return user + group.map(g -> ":" + g).orElse("");
    }
}
