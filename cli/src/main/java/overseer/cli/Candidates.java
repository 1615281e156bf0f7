package overseer.cli;

import overseer.core.Signal;

import java.util.Iterator;
import java.util.List;

/** Values shell completion offers for flags (picocli's completionCandidates). */
final class Candidates {
    private Candidates() {
    }

    static final class RestartPolicies implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return List.of("no", "never", "on-failure", "always", "unless-stopped").iterator();
        }
    }

    static final class Signals implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            // the standard ones, 1..31: what people type; SIGRTMIN+N is accepted but not offered
            return java.util.stream.IntStream.rangeClosed(1, 31).mapToObj(n -> Signal.of(n).name()).iterator();
        }
    }
}
