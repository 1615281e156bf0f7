package overseer.core;

/**
 * containerd's process state machine: which operation is legal in which status, and the words for the
 * ones that are not. Holds no state itself.
 */
final class Lifecycle {
    enum Op {
        START("start"), KILL("kill"), DELETE("delete"), PAUSE("pause"), RESUME("resume"), EXEC("exec in");

        final String verb;

        Op(String verb) {
            this.verb = verb;
        }
    }

    private Lifecycle() {
    }

    /** Fails with FAILED_PRECONDITION in containerd's words unless {@code op} is legal in {@code status}. */
    static void check(Op op, Status status) {
        boolean legal = switch (op) {
            case START -> status == Status.CREATED;
            case KILL -> status == Status.RUNNING || status == Status.PAUSED || status == Status.PAUSING;
            case DELETE -> status == Status.CREATED || status == Status.STOPPED;
            case PAUSE -> status == Status.RUNNING;
            case RESUME -> status == Status.PAUSED;
            case EXEC -> status == Status.RUNNING;
        };
        if (legal) {
            return;
        }
        if (op == Op.KILL && status == Status.STOPPED) {
            throw OverseerException.failedPrecondition("process already finished");
        }
        if (op == Op.KILL && status == Status.CREATED) {
            throw OverseerException.failedPrecondition("process not started");
        }
        throw OverseerException.failedPrecondition("cannot %s a %s process", op.verb, status.word());
    }
}
