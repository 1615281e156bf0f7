package overseer.core;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** What every fuzz target asserts of a refusal: the client's fault (a 4xx kind), in "field: why" form. */
public final class FuzzInvariant {
    public static final Set<ErrorKind> CLIENT_FAULTS = Set.of(ErrorKind.INVALID_ARGUMENT, ErrorKind.NOT_FOUND,
            ErrorKind.ALREADY_EXISTS, ErrorKind.FAILED_PRECONDITION);

    private FuzzInvariant() {
    }

    public static void clientFault(OverseerException e) {
        assertThat(e.kind()).as("kind of \"%s\"", e.getMessage()).isIn(CLIENT_FAULTS);
        assertThat(e.getMessage()).as("names the field").matches("(?s).+?: .+");
    }
}
