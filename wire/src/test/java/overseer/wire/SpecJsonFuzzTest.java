package overseer.wire;

import overseer.core.FuzzInvariant;
import com.code_intelligence.jazzer.junit.FuzzTest;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API's JSON decoding under a coverage-guided fuzzer. Plain {@code mvn verify} replays the seeds in
 * {@code SpecJsonFuzzTestInputs/}; {@code bin/fuzz} mutates from them. The invariant: any input is either a
 * spec (which writes and reads back as itself) or an INVALID_ARGUMENT naming a field, nothing else.
 */
class SpecJsonFuzzTest {
    @FuzzTest(maxDuration = "15s")
    void specBody(byte[] data) {
        String body = new String(data, StandardCharsets.UTF_8);
        ServiceSpec spec;
        try {
            spec = SpecJson.read(Json.read(body));
        } catch (OverseerException e) {
            FuzzInvariant.clientFault(e);
            assertThat(e.kind()).as(e.getMessage()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
            return;
        }
        assertThat(SpecJson.fromStore(SpecJson.stored(spec))).isEqualTo(spec);
    }
}
