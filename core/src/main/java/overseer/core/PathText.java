package overseer.core;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * A path a client gave as text (a working directory, a checkpoint image, a slice's dir). A NUL cannot be in
 * a Linux path and makes {@link Path#of} throw InvalidPathException: refused here as INVALID_ARGUMENT naming
 * the field, so no edge turns a client's typo into a 500.
 */
public final class PathText {
    private PathText() {
    }

    public static Path of(String field, String text) {
        if (text.indexOf('\0') >= 0) {
            throw OverseerException.invalidField(field, "contains a NUL character");
        }
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw OverseerException.invalidField(field, "not a path: \"%s\"", text);
        }
    }

    /** {@code text} against {@code base}, checked the same way. */
    public static Path resolve(String field, Path base, String text) {
        return base.resolve(of(field, text));
    }
}
