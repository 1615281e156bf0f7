package overseer.core;

import java.util.Objects;

/**
 * The one unchecked exception Overseer throws. The {@link ErrorKind} says what it means; the message says
 * what happened in plain words, naming the field and the value where the caller got something wrong.
 */
public final class OverseerException extends RuntimeException {
    private final ErrorKind kind;

    public OverseerException(ErrorKind kind, String message) {
        this(kind, message, null);
    }

    public OverseerException(ErrorKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public ErrorKind kind() {
        return kind;
    }

    public static OverseerException notFound(String format, Object... args) {
        return new OverseerException(ErrorKind.NOT_FOUND, format.formatted(args));
    }

    public static OverseerException alreadyExists(String format, Object... args) {
        return new OverseerException(ErrorKind.ALREADY_EXISTS, format.formatted(args));
    }

    public static OverseerException invalidArgument(String format, Object... args) {
        return new OverseerException(ErrorKind.INVALID_ARGUMENT, format.formatted(args));
    }

    public static OverseerException failedPrecondition(String format, Object... args) {
        return new OverseerException(ErrorKind.FAILED_PRECONDITION, format.formatted(args));
    }

    public static OverseerException unavailable(String format, Object... args) {
        return new OverseerException(ErrorKind.UNAVAILABLE, format.formatted(args));
    }

    public static OverseerException internal(String message, Throwable cause) {
        return new OverseerException(ErrorKind.INTERNAL, message, cause);
    }
}
