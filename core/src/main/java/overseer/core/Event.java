package overseer.core;

import java.util.List;
import java.util.Optional;

/**
 * What the runtime tells about tasks, one record per containerd topic. {@link EventLoss} is Lambda's: a
 * subscriber that fell behind gets one with the exact number of events it missed.
 */
public sealed interface Event {
    String topic();

    record TaskCreate(String taskId, List<String> args) implements Event {
        public String topic() {
            return "/tasks/create";
        }
    }

    record TaskStart(String taskId, long pid) implements Event {
        public String topic() {
            return "/tasks/start";
        }
    }

    /** A process of a task ended; {@code execId} equals {@code taskId} for the task's init process. */
    record TaskExit(String taskId, String execId, long pid, Exit exit) implements Event {
        public String topic() {
            return "/tasks/exit";
        }
    }

    record TaskDelete(String taskId, long pid, Optional<Exit> exit) implements Event {
        public String topic() {
            return "/tasks/delete";
        }
    }

    record TaskExecAdded(String taskId, String execId) implements Event {
        public String topic() {
            return "/tasks/exec-added";
        }
    }

    record TaskExecStarted(String taskId, String execId, long pid) implements Event {
        public String topic() {
            return "/tasks/exec-started";
        }
    }

    record TaskPaused(String taskId) implements Event {
        public String topic() {
            return "/tasks/paused";
        }
    }

    record TaskResumed(String taskId) implements Event {
        public String topic() {
            return "/tasks/resumed";
        }
    }

    record TaskOOM(String taskId) implements Event {
        public String topic() {
            return "/tasks/oom";
        }
    }

    record TaskCheckpointed(String taskId, String checkpoint) implements Event {
        public String topic() {
            return "/tasks/checkpointed";
        }
    }

    /** Delivered in place of {@code count} events that a slow subscriber's full buffer could not take. */
    record EventLoss(long count) implements Event {
        public String topic() {
            return "/events/loss";
        }
    }
}
