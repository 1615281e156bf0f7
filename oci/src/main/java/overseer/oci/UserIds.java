package overseer.oci;

import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.User;

import java.nio.file.Path;
import java.util.List;

/**
 * The numeric ids a process runs as in its task: names are looked up in the task's own /etc/passwd and
 * /etc/group (what its root holds, not the host's), as runc and docker do.
 */
final class UserIds {
    private UserIds() {
    }

    /** Root when the spec names no user; INVALID_ARGUMENT naming {@code user} for a name the task does not know. */
    static Bundle.Ids of(RootfsView view, ProcessSpec spec) {
        if (spec.user().isEmpty()) {
            return Bundle.Ids.ROOT;
        }
        User u = spec.user().get();
        int uid;
        int gid;
        if (User.numeric(u.user())) {
            uid = Integer.parseInt(u.user());
            gid = passwd(view).stream().filter(f -> f[2].equals(u.user())).findFirst().map(f -> Integer.parseInt(f[3])).orElse(uid);
        } else {
            String[] f = passwd(view).stream().filter(x -> x[0].equals(u.user())).findFirst().orElseThrow(() ->
                    OverseerException.invalidArgument("user: no user \"%s\" in the task's /etc/passwd", u.user()));
            uid = Integer.parseInt(f[2]);
            gid = Integer.parseInt(f[3]);
        }
        if (u.group().isPresent()) {
            String g = u.group().get();
            gid = User.numeric(g) ? Integer.parseInt(g) : view.lines(Path.of("/etc/group")).orElse(List.of()).stream()
                    .map(l -> l.split(":")).filter(x -> x.length > 2 && x[0].equals(g)).findFirst()
                    .map(x -> Integer.parseInt(x[2])).orElseThrow(() ->
                            OverseerException.invalidArgument("user: no group \"%s\" in the task's /etc/group", g));
        }
        return new Bundle.Ids(uid, gid);
    }

    private static List<String[]> passwd(RootfsView view) {
        return view.lines(Path.of("/etc/passwd")).orElse(List.of()).stream().map(l -> l.split(":"))
                .filter(f -> f.length > 3).toList();
    }
}
