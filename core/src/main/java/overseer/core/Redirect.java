package overseer.core;

import java.nio.file.Path;
import java.util.Objects;

/** Where one of a process's standard streams goes. */
public sealed interface Redirect {
    /** stdin reads /dev/null; output is discarded. */
    Redirect NULL = new Null();
    /** A pipe to Overseer: stdin is written through {@link TaskProcess#stdin()}, output is captured as log records. */
    Redirect PIPE = new Pipe();
    /** The stream Overseer itself has. */
    Redirect INHERIT = new Inherit();
    /** For stderr only: the same place as stdout (2>&1). */
    Redirect STDOUT = new ToStdout();

    record Null() implements Redirect {
    }

    record Pipe() implements Redirect {
    }

    record Inherit() implements Redirect {
    }

    record ToStdout() implements Redirect {
    }

    /**
     * A file: read for stdin; for output created if missing (0600: a task's output is its owner's, and is
     * created so, never chmod-ed after), then appended to or truncated.
     */
    record File(Path path, boolean append) implements Redirect {
        public File {
            Objects.requireNonNull(path, "path");
        }
    }

    static Redirect file(Path path) {
        return new File(path, false);
    }

    static Redirect append(Path path) {
        return new File(path, true);
    }
}
