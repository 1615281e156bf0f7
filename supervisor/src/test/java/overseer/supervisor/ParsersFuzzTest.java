package overseer.supervisor;

import overseer.core.FuzzInvariant;
import com.code_intelligence.jazzer.junit.FuzzTest;
import overseer.core.Identifiers;
import overseer.core.OverseerException;

import java.nio.charset.StandardCharsets;

/**
 * The 0-core command parser and the slice file parser under a coverage-guided fuzzer. Plain
 * {@code mvn verify} replays the seeds in {@code ParsersFuzzTestInputs/}; {@code bin/fuzz} mutates from them.
 * Nothing is run: a command is parsed as the supervisor's front door parses it (Commands, the id rule,
 * core.system's arguments), a slice as SliceFile reads it. The only exception allowed is a client's fault.
 */
class ParsersFuzzTest {
    @FuzzTest(maxDuration = "15s")
    void command(byte[] data) {
        try {
            Command c = Commands.parse(new String(data, StandardCharsets.UTF_8));
            if (!c.id().isEmpty()) {
                Identifiers.require("id", c.id());
            }
            if (c.command().equals(CommandRegistry.SYSTEM)) {
                SystemArguments.parse(c.arguments());
            }
            Commands.parse(Commands.toJson(c)); // what the ledger writes reads back
        } catch (OverseerException e) {
            FuzzInvariant.clientFault(e);
        }
    }

    @FuzzTest(maxDuration = "15s")
    void sliceFile(byte[] data) {
        try {
            SliceFile.parse(new String(data, StandardCharsets.UTF_8));
        } catch (OverseerException e) {
            FuzzInvariant.clientFault(e);
        }
    }
}
