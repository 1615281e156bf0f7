package overseer.cli;

import overseer.core.OverseerException;
import overseer.core.ProcessOutput;
import overseer.core.TaskSpec;
import overseer.core.spi.TaskRuntime;
import overseer.core.spi.RuntimeTask;

import java.util.Set;

/**
 * The isolating half of {@code --runtime auto} on a host where no OCI runtime works: it takes isolated tasks
 * only to refuse them with the reason, rather than with a bare "not supported".
 */
final class NoOciRuntime implements TaskRuntime {
    private final String reason;

    NoOciRuntime(String reason) {
        this.reason = reason;
    }

    @Override
    public String name() {
        return "no-oci";
    }

    /** ISOLATION, so that an isolated task reaches {@link #create} and hears why it is refused. */
    @Override
    public Set<Feature> features() {
        return Set.of(Feature.ISOLATION);
    }

    @Override
    public RuntimeTask create(String namespace, TaskSpec spec, ProcessOutput output) {
        throw OverseerException.unavailable("isolation: no OCI runtime was found on this host (%s)", reason);
    }

    @Override
    public void close() {
    }
}
