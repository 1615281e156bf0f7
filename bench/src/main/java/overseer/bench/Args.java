package overseer.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Command-line arguments: {@code --name=value} options and plain positional values. */
record Args(Map<String, String> options, List<String> positional) {
    static Args parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        List<String> positional = new ArrayList<>();
        for (String a : args) {
            if (a.startsWith("--") && a.contains("=")) {
                options.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
            } else {
                positional.add(a);
            }
        }
        return new Args(options, positional);
    }

    int intOption(String name, int fallback) {
        String v = options.get(name);
        if (v == null) {
            return fallback;
        }
        int n = Integer.parseInt(v);
        if (n < 1) {
            throw new IllegalArgumentException("--" + name + " must be at least 1, got " + n);
        }
        return n;
    }

    String option(String name, String fallback) {
        return options.getOrDefault(name, fallback);
    }

    /** The first positional argument as a count, or {@code fallback}. */
    int count(int fallback) {
        return positional.isEmpty() ? fallback : Integer.parseInt(positional.getFirst());
    }
}
