package overseer.core;

import java.util.Objects;
import java.util.Optional;

/**
 * The one unchecked exception Overseer throws. The {@link ErrorKind} says what it means; the message says
 * what happened in plain words, naming the field and the value where the caller got something wrong.
 *
 * <p>Code never reads the message: what it acts on is typed. {@link #field()} is the spec field the error is
 * about ({@code "resources.memoryBytes"}), so an edge can tell it in its own words (the CLI's
 * {@code --memory}) with {@link #withField(String)}; {@link #reason()} names the few causes code branches on.
 * The message is {@code field + ": " + detail} when there is a field, the detail alone otherwise.
 */
public final class OverseerException extends RuntimeException {
    private final ErrorKind kind;
    private final Reason reason;
    private final String field;
    private final String detail;

    /** The few causes that code (not only people) acts on; each travels over the wire by its name. */
    public enum Reason {
        /** Nothing more specific than the kind. */
        GENERAL,
        /** The disk under the state store is full: nothing new can be written until space is freed (HTTP 507). */
        STORAGE_FULL,
        /** The process's exit was collected already: a signal to it raced with its exit, and lost. */
        PROCESS_FINISHED,
        /** The executable (args[0]) does not exist: docker's exit 127. */
        EXECUTABLE_NOT_FOUND,
        /** The executable (args[0]) exists but cannot be executed: docker's exit 126. */
        NOT_EXECUTABLE,
        /**
         * Time ran out before what was waited for happened (HTTP 408): a wait for an exit (asking again is the
         * way to wait longer), or a request whose head or body did not arrive in time.
         */
        TIMED_OUT,
        /** A peer has as many unauthenticated connections open as it may (HTTP 429); a full listener is plain 503. */
        TOO_MANY_CONNECTIONS
    }

    public OverseerException(ErrorKind kind, String message) {
        this(kind, message, null);
    }

    public OverseerException(ErrorKind kind, String message, Throwable cause) {
        this(kind, Reason.GENERAL, message, cause);
    }

    public OverseerException(ErrorKind kind, Reason reason, String message, Throwable cause) {
        this(kind, reason, Optional.empty(), message, cause);
    }

    /** An error about one field: its message reads {@code field + ": " + detail}. */
    public OverseerException(ErrorKind kind, Reason reason, String field, String detail, Throwable cause) {
        this(kind, reason, Optional.of(field), detail, cause);
    }

    private OverseerException(ErrorKind kind, Reason reason, Optional<String> field, String detail, Throwable cause) {
        super(field.map(f -> f + ": ").orElse("") + Objects.requireNonNull(detail, "detail"), cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.reason = Objects.requireNonNull(reason, "reason");
        if (field.isPresent() && field.get().isBlank()) {
            throw new IllegalArgumentException("field: must not be blank");
        }
        this.field = field.orElse(null);
        this.detail = detail;
    }

    public ErrorKind kind() {
        return kind;
    }

    public Reason reason() {
        return reason;
    }

    /** The spec field (or flag, or parameter) the error is about, as the caller named it. */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }

    /** The message without its field: what is wrong with it. */
    public String detail() {
        return detail;
    }

    /**
     * The same error told about {@code name} (a flag, a file's key) instead of its field, kind and reason kept,
     * this one as its cause: {@code "resources.memoryBytes: must be ..."} becomes {@code "--memory: must be ..."}.
     */
    public OverseerException withField(String name) {
        Objects.requireNonNull(name, "name");
        return new OverseerException(kind, reason, name, detail, this);
    }

    /** The same error with its field placed under {@code parent}: {@code "web.yaml: services[1]"} + {@code ".after[0]"}. */
    public OverseerException under(String parent, String separator) {
        return withField(field == null ? parent : parent + separator + field);
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

    /** An error of any kind about {@code field}: "field: detail" (a limit this host cannot apply is UNAVAILABLE). */
    public static OverseerException aboutField(ErrorKind kind, String field, String format, Object... args) {
        return new OverseerException(kind, Reason.GENERAL, Objects.requireNonNull(field, "field"), format.formatted(args), null);
    }

    /** INVALID_ARGUMENT about {@code field}: "field: detail". */
    public static OverseerException invalidField(String field, String format, Object... args) {
        return new OverseerException(ErrorKind.INVALID_ARGUMENT, Reason.GENERAL, Objects.requireNonNull(field, "field"),
                format.formatted(args), null);
    }

    /** INVALID_ARGUMENT about args[0]: there is no such program (docker's exit 127, 0-core's 404). */
    public static OverseerException executableNotFound(String format, Object... args) {
        return new OverseerException(ErrorKind.INVALID_ARGUMENT, Reason.EXECUTABLE_NOT_FOUND, "args[0]", format.formatted(args), null);
    }

    /** INVALID_ARGUMENT about args[0]: the program is there but cannot be executed (docker's exit 126). */
    public static OverseerException notExecutable(String format, Object... args) {
        return new OverseerException(ErrorKind.INVALID_ARGUMENT, Reason.NOT_EXECUTABLE, "args[0]", format.formatted(args), null);
    }

    public static OverseerException failedPrecondition(String format, Object... args) {
        return new OverseerException(ErrorKind.FAILED_PRECONDITION, format.formatted(args));
    }

    /** FAILED_PRECONDITION "process already finished": its exit was collected, a signal is too late. */
    public static OverseerException processFinished() {
        return new OverseerException(ErrorKind.FAILED_PRECONDITION, Reason.PROCESS_FINISHED, "process already finished", null);
    }

    public static OverseerException unavailable(String format, Object... args) {
        return new OverseerException(ErrorKind.UNAVAILABLE, format.formatted(args));
    }

    /** UNAVAILABLE because the disk is full: retried once space is free, reported as such (HTTP 507). */
    public static OverseerException storageFull(String message, Throwable cause) {
        return new OverseerException(ErrorKind.UNAVAILABLE, Reason.STORAGE_FULL, message, cause);
    }

    /** UNAVAILABLE because time ran out first: "task web did not exit within 1s" (HTTP 408). */
    public static OverseerException timedOut(String format, Object... args) {
        return new OverseerException(ErrorKind.UNAVAILABLE, Reason.TIMED_OUT, format.formatted(args), null);
    }

    public static OverseerException unauthenticated(String format, Object... args) {
        return new OverseerException(ErrorKind.UNAUTHENTICATED, format.formatted(args));
    }

    public static OverseerException internal(String message, Throwable cause) {
        return new OverseerException(ErrorKind.INTERNAL, message, cause);
    }
}
