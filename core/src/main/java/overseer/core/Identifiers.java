package overseer.core;

import java.util.regex.Pattern;

/**
 * Names of namespaces, tasks and exec'd processes. They end up in paths, cgroup names and URLs, so they are
 * held to containerd's identifier rule: letters, digits, '.', '_' and '-', starting with a letter or digit,
 * at most 76 characters. This is the one check every edge (API paths and bodies, exec ids, service and
 * slice files, 0-core commands) applies before any path, cgroup or key is built from a name, so a NUL, a
 * '/' or a ".." never reaches the file system.
 */
public final class Identifiers {
    public static final int MAX_LENGTH = 76;
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private Identifiers() {
    }

    /** Returns {@code value} if it is a valid identifier, else fails naming {@code field}. */
    public static String require(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw OverseerException.invalidField(field, "must not be empty");
        }
        if (value.length() > MAX_LENGTH) {
            throw OverseerException.invalidField(field, "\"%s…\" is %d characters long; at most %d are allowed", value.substring(0, 16), value.length(), MAX_LENGTH);
        }
        if (value.indexOf('\0') >= 0) {
            throw OverseerException.invalidField(field, "contains a NUL character");
        }
        if (!VALID.matcher(value).matches()) {
            throw OverseerException.invalidField(field, "\"%s\" is not a valid identifier (letters, digits, '.', '_' and '-', starting with a letter or digit)", value);
        }
        return value;
    }
}
