package overseer.supervisor;

import overseer.core.OverseerException;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Regular expressions given by users, compiled with an error that names the field. */
final class Patterns {
    private Patterns() {
    }

    static Pattern compile(String field, String regex) {
        if (regex == null || regex.isEmpty()) {
            throw OverseerException.invalidArgument("%s: must not be empty", field);
        }
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw OverseerException.invalidArgument("%s: not a valid regular expression \"%s\": %s", field, regex,
                    e.getDescription());
        }
    }
}
