package overseer.supervisor;

/**
 * What a built-in command throws to fail with a code (0-core's RunError). Anything else a built-in throws
 * becomes code 500.
 */
public final class JobError extends RuntimeException {
    private final int code;

    public JobError(int code, String message) {
        super(message);
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static JobError badRequest(Object cause) {
        return new JobError(400, String.valueOf(cause));
    }

    public static JobError notFound(Object cause) {
        return new JobError(404, String.valueOf(cause));
    }

    public static JobError notAcceptable(Object cause) {
        return new JobError(406, String.valueOf(cause));
    }

    public static JobError preconditionFailed(Object cause) {
        return new JobError(412, String.valueOf(cause));
    }

    public static JobError internal(Object cause) {
        return new JobError(500, String.valueOf(cause));
    }

    public static JobError serviceUnavailable(Object cause) {
        return new JobError(503, String.valueOf(cause));
    }
}
