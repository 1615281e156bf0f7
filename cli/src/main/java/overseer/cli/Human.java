package overseer.cli;

import java.time.Duration;
import java.util.Locale;

/** Durations and sizes as docker prints them to people: "About a minute", "3 hours", "12.5MiB". */
final class Human {
    private Human() {
    }

    /** docker's units.HumanDuration. */
    static String duration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 1) {
            return "Less than a second";
        }
        if (s == 1) {
            return "1 second";
        }
        if (s < 60) {
            return s + " seconds";
        }
        long m = s / 60;
        if (m == 1) {
            return "About a minute";
        }
        if (m < 60) {
            return m + " minutes";
        }
        long h = Math.round(s / 3600.0);
        if (h == 1) {
            return "About an hour";
        }
        if (h < 48) {
            return h + " hours";
        }
        long days = s / 86_400;
        if (days < 14) {
            return days + " days";
        }
        if (days < 7 * 12) {
            return days / 7 + " weeks";
        }
        if (days < 365 * 2) {
            return days / 30 + " months";
        }
        return days / 365 + " years";
    }

    /** Binary units, as `docker stats` prints memory: 512B, 1.5KiB, 12.3MiB, 2GiB. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + "B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        String number = String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
        return number.replaceAll("\\.?0+$", "") + units[u];
    }
}
