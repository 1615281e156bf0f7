package overseer.linux;

import overseer.core.OverseerException;
import overseer.core.User;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A user to run a process as, resolved through /etc/passwd and /etc/group the way docker resolves
 * {@code --user}: a name must exist; a number need not (then its group is 0 unless one is given); the
 * supplementary groups are those /etc/group lists the user name in.
 */
record Credentials(long uid, long gid, List<Long> groups) {
    static final Path PASSWD = Path.of("/etc/passwd");
    static final Path GROUP = Path.of("/etc/group");

    Credentials {
        groups = List.copyOf(groups);
    }

    static Credentials resolve(User user) {
        return resolve(user, PASSWD, GROUP);
    }

    static Credentials resolve(User user, Path passwd, Path group) {
        List<String[]> users = entries(passwd);
        List<String[]> groupEntries = entries(group);
        Optional<String[]> pw = users.stream().filter(e -> e.length >= 4
                && (e[0].equals(user.user()) || User.numeric(user.user()) && e[2].equals(user.user()))).findFirst();
        if (pw.isEmpty() && !User.numeric(user.user())) {
            throw OverseerException.invalidArgument("user: no user \"%s\" in %s", user.user(), passwd);
        }
        long uid = pw.map(e -> parseId("user", e[2])).orElseGet(() -> parseId("user", user.user()));
        long gid;
        if (user.group().isPresent()) {
            String g = user.group().get();
            Optional<String[]> gr = groupEntries.stream().filter(e -> e.length >= 3 && e[0].equals(g)).findFirst();
            if (gr.isPresent()) {
                gid = parseId("user", gr.get()[2]);
            } else if (User.numeric(g)) {
                gid = parseId("user", g);
            } else {
                throw OverseerException.invalidArgument("user: no group \"%s\" in %s", g, group);
            }
        } else {
            gid = pw.map(e -> parseId("user", e[3])).orElse(0L);
        }
        List<Long> supplementary = new ArrayList<>();
        pw.ifPresent(e -> {
            for (String[] g : groupEntries) {
                if (g.length >= 4 && List.of(g[3].split(",")).contains(e[0])) {
                    supplementary.add(parseId("user", g[2]));
                }
            }
        });
        return new Credentials(uid, gid, supplementary);
    }

    /**
     * FAILED_PRECONDITION naming the field when this process may not switch users: it is not root, or the
     * capabilities to do so were dropped with setUnprivileged.
     */
    static void requirePermitted(int euid, java.util.Set<Capability> dropped) {
        if (euid != 0) {
            throw OverseerException.failedPrecondition(
                    "user: running a process as another user needs root, and Overseer runs as uid %d", euid);
        }
        for (Capability c : List.of(Capability.SETUID, Capability.SETGID)) {
            if (dropped.contains(c)) {
                throw OverseerException.failedPrecondition(
                        "user: running a process as another user needs %s, which setUnprivileged dropped", c.capName());
            }
        }
    }

    /** setpriv(1) arguments that switch to these credentials before it execs the rest of the command line. */
    List<String> setprivArgs() {
        List<String> a = new ArrayList<>(List.of("--reuid=" + uid, "--regid=" + gid));
        if (groups.isEmpty()) {
            a.add("--clear-groups");
        } else {
            a.add("--groups=" + String.join(",", groups.stream().map(String::valueOf).toList()));
        }
        return a;
    }

    private static long parseId(String field, String v) {
        try {
            long id = Long.parseLong(v);
            if (id < 0 || id > 0xFFFF_FFFEL) {
                throw new NumberFormatException();
            }
            return id;
        } catch (NumberFormatException e) {
            throw OverseerException.invalidArgument("%s: \"%s\" is not a valid id", field, v);
        }
    }

    private static List<String[]> entries(Path file) {
        try {
            return Files.readAllLines(file).stream().filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .map(l -> l.split(":", -1)).toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
