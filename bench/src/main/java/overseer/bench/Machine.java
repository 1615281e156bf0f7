package overseer.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/** Where and when figures were taken: printed with them and stored with the CSV, for the plot title. */
record Machine(String date, int cpus, String kernel, String jdk, String load) {
    static Machine now() {
        return new Machine(ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z")),
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.version"),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"), loadAverage());
    }

    /** The 1/5/15-minute load: the machine is shared, so this says how quiet it was. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    String describe() {
        return date + ", " + cpus + " CPUs, Linux " + kernel + ", " + jdk + ", load " + load;
    }

    /** One CSV comment line: {@code # key=value;key=value}. */
    String toComment() {
        return "# date=" + date + ";cpus=" + cpus + ";kernel=" + kernel + ";jdk=" + jdk + ";load=" + load;
    }

    static Machine fromComment(String line) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : line.substring(1).strip().split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                kv.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return new Machine(kv.getOrDefault("date", "?"), Integer.parseInt(kv.getOrDefault("cpus", "0")),
                kv.getOrDefault("kernel", "?"), kv.getOrDefault("jdk", "?"), kv.getOrDefault("load", "?"));
    }
}
