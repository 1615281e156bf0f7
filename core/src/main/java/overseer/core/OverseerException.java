package overseer.core;

import java.util.Objects;

/**
 * The one unchecked exception Overseer throws. The {@link ErrorKind} says what it means; the message says
 * what happened in plain words, naming the field and the value where the caller got something wrong.
 */
public final class OverseerException extends RuntimeException {
    private final ErrorKind kind;
    private final Reason reason;

    /** The few causes that code (not only people) acts on: the edge maps them to a status of their own. */
    public enum Reason {
        /** Nothing more specific than the kind. */
        GENERAL,
        /** The disk under the state store is full: nothing new can be written until space is freed. */
        STORAGE_FULL
    }

    public OverseerException(ErrorKind kind, String message) {
        this(kind, message, null);
    }

    public OverseerException(ErrorKind kind, String message, Throwable cause) {
        this(kind, Reason.GENERAL, message, cause);
    }

    public OverseerException(ErrorKind kind, Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public ErrorKind kind() {
        return kind;
    }

    public Reason reason() {
        return reason;
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

    /** UNAVAILABLE because the disk is full: retried once space is free, reported as such (HTTP 507). */
    public static OverseerException storageFull(String message, Throwable cause) {
        return new OverseerException(ErrorKind.UNAVAILABLE, Reason.STORAGE_FULL, message, cause);
    }

    public static OverseerException internal(String message, Throwable cause) {
        return new OverseerException(ErrorKind.INTERNAL, message, cause);
    }
}
