package overseer.linux;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;
import overseer.core.User;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Users and groups resolved as docker resolves --user, against a fake /etc/passwd and /etc/group. */
class CredentialsTest {
    @TempDir
    Path dir;
    private Path passwd;
    private Path group;

    @BeforeEach
    void files() throws IOException {
        passwd = Files.writeString(dir.resolve("passwd"), """
                root:x:0:0:root:/root:/bin/bash
                alice:x:1000:1000:Alice:/home/alice:/bin/sh
                # a comment
                bob:x:1001:100::/home/bob:/bin/sh
                """);
        group = Files.writeString(dir.resolve("group"), """
                root:x:0:
                users:x:100:alice
                alice:x:1000:
                staff:x:50:alice,bob
                """);
    }

    private Credentials resolve(String user) {
        return Credentials.resolve(User.parse(user), passwd, group);
    }

    @Test
    void aNameGivesItsUidPrimaryGroupAndSupplementaryGroups() {
        assertThat(resolve("alice")).isEqualTo(new Credentials(1000, 1000, List.of(100L, 50L)));
        assertThat(resolve("bob")).isEqualTo(new Credentials(1001, 100, List.of(50L)));
    }

    @Test
    void aGroupCanBeNamedOrNumbered() {
        assertThat(resolve("alice:staff").gid()).isEqualTo(50);
        assertThat(resolve("alice:4242").gid()).isEqualTo(4242);
    }

    @Test
    void aNumberNeedNotExistAndThenRunsInGroupZeroLikeDocker() {
        assertThat(resolve("1234")).isEqualTo(new Credentials(1234, 0, List.of()));
        assertThat(resolve("1000")).as("a known uid is that user").isEqualTo(resolve("alice"));
    }

    @Test
    void unknownNamesAreRefusedNamingTheField() {
        OverseerException u = catchThrowableOfType(OverseerException.class, () -> resolve("carol"));
        assertThat(u.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
        assertThat(u.getMessage()).isEqualTo("user: no user \"carol\" in " + passwd);
        OverseerException g = catchThrowableOfType(OverseerException.class, () -> resolve("alice:wheel"));
        assertThat(g.getMessage()).isEqualTo("user: no group \"wheel\" in " + group);
    }

    @Test
    void switchingUsersNeedsRootAndTheSetuidCapabilities() {
        OverseerException notRoot = catchThrowableOfType(OverseerException.class,
                () -> Credentials.requirePermitted(1000, Set.of()));
        assertThat(notRoot.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);
        assertThat(notRoot.getMessage()).isEqualTo(
                "user: running a process as another user needs root, and Overseer runs as uid 1000");
        OverseerException dropped = catchThrowableOfType(OverseerException.class,
                () -> Credentials.requirePermitted(0, Set.of(Capability.SETGID)));
        assertThat(dropped.getMessage()).contains("CAP_SETGID");
        Credentials.requirePermitted(0, Set.of(Capability.SYS_ADMIN));
    }

    @Test
    void setprivArguments() {
        assertThat(resolve("alice").setprivArgs()).containsExactly("--reuid=1000", "--regid=1000", "--groups=100,50");
        assertThat(resolve("1234").setprivArgs()).containsExactly("--reuid=1234", "--regid=0", "--clear-groups");
    }
}
