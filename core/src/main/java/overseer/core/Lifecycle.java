package overseer.core;

/**
 * containerd's process state machine (v1.3 pkg/process/init_state.go, exec_state.go, deleted_state.go): which
 * operation is legal in which status, and containerd's words for the ones that are not. Holds no state itself.
 */
public final class Lifecycle {
    public enum Op {
        START("start"), KILL("kill"), DELETE("delete"), PAUSE("pause"), RESUME("resume"), EXEC("exec in");

        final String verb;

        Op(String verb) {
            this.verb = verb;
        }
    }

    private Lifecycle() {
    }

    /**
     * Fails with FAILED_PRECONDITION in containerd's words unless {@code op} is legal in {@code status} for a
     * task's init process. As in containerd, a created task may be killed and exec'd into.
     */
    public static void check(Op op, Status status) {
        boolean legal = switch (op) {
            case START -> status == Status.CREATED;
            case KILL -> status == Status.CREATED || status == Status.RUNNING || status == Status.PAUSED
                    || status == Status.PAUSING;
            case DELETE -> status == Status.CREATED || status == Status.STOPPED;
            case PAUSE -> status == Status.RUNNING;
            case RESUME -> status == Status.PAUSED;
            case EXEC -> status == Status.CREATED || status == Status.RUNNING;
        };
        if (!legal) {
            if (op == Op.KILL && status == Status.STOPPED) {
                throw OverseerException.processFinished();
            }
            throw OverseerException.failedPrecondition("%s", refusal(op, status));
        }
    }

    /** The same for an exec'd process: containerd's execCreatedState refuses a kill, "process not created". */
    static void checkExec(Op op, Status status) {
        if (op == Op.KILL && status == Status.CREATED) {
            throw OverseerException.failedPrecondition("process not created");
        }
        check(op, status);
    }

    private static String refusal(Op op, Status status) {
        String s = status.word();
        return switch (op) {
            case KILL -> "cannot kill a " + s + " process";
            case PAUSE -> switch (status) {
                case CREATED -> "cannot pause task in created state";
                case PAUSED, STOPPED -> "cannot pause a " + s + " container";
                default -> "cannot pause a " + s + " process";
            };
            case RESUME -> switch (status) {
                case CREATED -> "cannot resume task in created state";
                case STOPPED -> "cannot resume a stopped container";
                default -> "cannot resume a " + s + " process";
            };
            case EXEC -> "cannot exec in a " + s + " state";
            case START, DELETE -> "cannot " + op.verb + " a " + s + " process";
        };
    }
}
