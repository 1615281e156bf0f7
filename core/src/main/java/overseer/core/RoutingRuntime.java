package overseer.core;

import overseer.core.spi.TaskRuntime;
import overseer.core.spi.RuntimeTask;

import java.util.EnumSet;
import java.util.Set;

/**
 * Two runtimes behind one: a task that asks for isolation goes to the isolating runtime (OCI), any other
 * to the host runtime (native). The daemon uses it so that each task can choose.
 */
public final class RoutingRuntime implements TaskRuntime {
    private final TaskRuntime host;
    private final TaskRuntime isolating;

    public RoutingRuntime(TaskRuntime host, TaskRuntime isolating) {
        this.host = host;
        this.isolating = isolating;
    }

    private TaskRuntime of(TaskSpec spec) {
        return spec.isolation().isPresent() ? isolating : host;
    }

    @Override
    public String name() {
        return host.name() + "+" + isolating.name();
    }

    /** What either runtime can do; a task that asks the other one for more is refused by it. */
    @Override
    public Set<Feature> features() {
        Set<Feature> all = EnumSet.noneOf(Feature.class);
        all.addAll(host.features());
        all.addAll(isolating.features());
        return all;
    }

    @Override
    public RuntimeTask create(String namespace, TaskSpec spec, ProcessOutput output) {
        return of(spec).create(namespace, spec, output);
    }

    @Override
    public Adopted reattach(String namespace, TaskSpec spec, ProcessOutput output, long pid, long startTime) {
        return of(spec).reattach(namespace, spec, output, pid, startTime);
    }

    @Override
    public java.util.concurrent.CompletableFuture<Void> released(String namespace, String id) {
        return java.util.concurrent.CompletableFuture.allOf(host.released(namespace, id), isolating.released(namespace, id));
    }

    @Override
    public void purge(String namespace, TaskSpec spec) {
        of(spec).purge(namespace, spec);
    }

    @Override
    public java.util.List<Found> found() {
        java.util.List<Found> all = new java.util.ArrayList<>(host.found());
        all.addAll(isolating.found());
        return all;
    }

    @Override
    public void close() {
        try {
            host.close();
        } finally {
            isolating.close();
        }
    }
}
