package overseer.core;

import org.junit.jupiter.api.Test;
import overseer.core.internal.Identifiers;
import overseer.core.internal.PathText;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one rule for names that become paths, and the one check of paths given as text. */
class IdentifiersTest {
    private static void refused(String value, String message) {
        assertThatThrownBy(() -> Identifiers.require("namespace", value)).isInstanceOfSatisfying(OverseerException.class,
                e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).startsWith("namespace: ").contains(message);
                });
    }

    @Test
    void noNulSlashDotDotOrHiddenName() {
        refused("a\0b", "contains a NUL character");
        refused("a/b", "is not a valid identifier");
        refused("..", "is not a valid identifier");
        refused(".hidden", "is not a valid identifier");
        refused("a b", "is not a valid identifier");
        refused("", "must not be empty");
        refused(null, "must not be empty");
        refused("x".repeat(Identifiers.MAX_LENGTH + 1), "at most 76");
        assertThat(Identifiers.require("id", "web-1.a_b")).isEqualTo("web-1.a_b");
        assertThat(Identifiers.require("id", "x".repeat(Identifiers.MAX_LENGTH))).hasSize(Identifiers.MAX_LENGTH);
    }

    @Test
    void pathTextRefusesNulNamingTheField() {
        assertThatThrownBy(() -> PathText.of("arguments.dir", "/tmp/\0x")).isInstanceOfSatisfying(OverseerException.class,
                e -> assertThat(e.getMessage()).isEqualTo("arguments.dir: contains a NUL character"));
        assertThatThrownBy(() -> PathText.resolve("services[0].dir", Path.of("/srv"), "a\0")).hasMessage(
                "services[0].dir: contains a NUL character");
        assertThat(PathText.resolve("dir", Path.of("/srv"), "data")).isEqualTo(Path.of("/srv/data"));
    }
}
