package overseer.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A flood of output captured to a file, Overseer's foreground path beside {@code cat}, in one run:
 * <ul>
 * <li><b>cat</b>: {@code sh -c 'FLOOD | cat > F'}: a pipe copied into a file, the floor;</li>
 * <li><b>overseer run</b>: {@code bin/overseer run --log-file F -- sh -c FLOOD > /dev/null}: the same pipe
 * read by Overseer, written to F as k8s-file lines and passed on to its own stdout.</li>
 * </ul>
 * Two floods: {@code head -c SIZE /dev/urandom} (binary, a '\n' every 256 bytes on average; the producer
 * sets the pace, ~450 MB/s here) and a text file of 100-character lines read from the page cache (the
 * pipe as fast as it goes, 10 million lines per GiB). Each round runs every peer once, in alternating
 * order; wall time and peak RSS come from {@code /usr/bin/time}. Overseer's RSS growth is its peak minus
 * the peak of {@code overseer run -- true}. For the text flood, the file Overseer wrote is read back
 * (F lines: payload + '\n', P lines: payload) and its SHA-256 compared with the input's.
 *
 * <pre>bench/run.sh logflood [MiB] [ROUNDS]</pre>
 */
public final class LogFloodBench {
    private static final Path TIME = Path.of("/usr/bin/time");

    record Run(String flood, String peer, double seconds, long maxRssKb) {
    }

    public static void main(String[] args) throws Exception {
        long mib = args.length > 0 ? Long.parseLong(args[0]) : 1024;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path overseer = Path.of("bin/overseer").toAbsolutePath();
        if (!Files.isExecutable(TIME) || !Files.isExecutable(overseer)) {
            System.out.println("LogFloodBench: needs /usr/bin/time and bin/overseer (run from the repository root)");
            return;
        }
        Path dir = Files.createTempDirectory("logflood");
        try {
            System.out.printf("LogFloodBench: %d MiB per flood, %d rounds, %s%n", mib, rounds, Machine.now().describe());
            Path text = dir.resolve("text.txt");
            writeText(text, mib << 20);
            String sha = sha256(Files.newInputStream(text));
            long baseKb = Long.MAX_VALUE;
            for (int i = 0; i < 3; i++) {
                baseKb = Math.min(baseKb, timed(dir, List.of(overseer.toString(), "run", "--", "true"), null).maxRssKb());
            }
            System.out.printf("overseer run -- true: peak RSS %.1f MiB (the baseline for growth)%n", baseKb / 1024.0);
            Map<String, String> floods = new LinkedHashMap<>();
            floods.put("urandom", "head -c " + (mib << 20) + " /dev/urandom");
            floods.put("text", "cat " + text);
            List<Run> runs = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                for (Map.Entry<String, String> f : floods.entrySet()) {
                    Path out = dir.resolve("out.log");
                    List<Runnable> peers = new ArrayList<>();
                    peers.add(() -> runs.add(rename(timed(dir, List.of("sh", "-c", f.getValue() + " | cat > " + out), null),
                            f.getKey(), "cat")));
                    peers.add(() -> {
                        runs.add(rename(timed(dir, List.of(overseer.toString(), "run", "--log-file", out.toString(),
                                "--log-max-bytes", "1000000000000", "--", "sh", "-c", f.getValue()), Path.of("/dev/null")),
                                f.getKey(), "overseer run"));
                        if (f.getKey().equals("text")) {
                            String got = decodedSha(out);
                            if (!got.equals(sha)) {
                                throw new IllegalStateException("the log file does not read back as the output: " + got + " != " + sha);
                            }
                        }
                    });
                    if (r % 2 == 1) {
                        java.util.Collections.reverse(peers);
                    }
                    for (Runnable p : peers) {
                        Files.deleteIfExists(out);
                        p.run();
                    }
                    Files.deleteIfExists(out);
                }
            }
            report(runs, mib, baseKb);
        } finally {
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static Run rename(Run r, String flood, String peer) {
        return new Run(flood, peer, r.seconds(), r.maxRssKb());
    }

    private static void report(List<Run> runs, long mib, long baseKb) throws IOException {
        System.out.println();
        System.out.println("| flood | peer | MB/s (median) | best MB/s | seconds (median) | vs cat (median of rounds) | peak RSS MiB | RSS growth MiB |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|");
        List<String[]> rows = new ArrayList<>();
        for (String flood : List.of("urandom", "text")) {
            List<Run> cat = runs.stream().filter(r -> r.flood().equals(flood) && r.peer().equals("cat")).toList();
            for (String peer : List.of("cat", "overseer run")) {
                List<Run> mine = runs.stream().filter(r -> r.flood().equals(flood) && r.peer().equals(peer)).toList();
                double[] ratios = new double[mine.size()];
                for (int i = 0; i < mine.size(); i++) {
                    ratios[i] = cat.get(i).seconds() / mine.get(i).seconds(); // same round
                }
                double secs = median(mine.stream().mapToDouble(Run::seconds).toArray());
                double best = mine.stream().mapToDouble(Run::seconds).min().orElseThrow();
                long rss = mine.stream().mapToLong(Run::maxRssKb).max().orElseThrow();
                double mbs = (mib << 20) / 1e6 / secs;
                String growth = peer.equals("cat") ? "" : String.format("%.1f", (rss - baseKb) / 1024.0);
                System.out.printf("| %s | %s | %.0f | %.0f | %.2f | %.2f× | %.1f | %s |%n", flood, peer, mbs,
                        (mib << 20) / 1e6 / best, secs, median(ratios), rss / 1024.0, growth);
                rows.add(new String[]{flood + ": " + peer, String.valueOf(mbs)});
            }
        }
        Path png = Path.of("bench/target/logflood.png");
        RatePlot.write(png, "Capturing a " + mib + " MiB flood to a file", Machine.now().describe(), rows);
        System.out.println("\nplot: " + png);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Runs {@code cmd} under /usr/bin/time; stdout to {@code stdout} or discarded. */
    private static Run timed(Path dir, List<String> cmd, Path stdout) {
        try {
            Path t = dir.resolve("time.txt");
            List<String> full = new ArrayList<>(List.of(TIME.toString(), "-o", t.toString(), "-f", "%e %M"));
            full.addAll(cmd);
            ProcessBuilder pb = new ProcessBuilder(full).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT);
            if (stdout != null) {
                pb.redirectOutput(stdout.toFile());
            }
            int code = pb.start().waitFor();
            if (code != 0) {
                throw new IllegalStateException(cmd + " exited " + code);
            }
            String[] f = Files.readString(t).strip().split("\\s+");
            return new Run("", "", Double.parseDouble(f[f.length - 2]), Long.parseLong(f[f.length - 1]));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Lines of 100 base64-like characters, a fixed seed: the same text on every run. */
    private static void writeText(Path file, long bytes) throws IOException {
        byte[] alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".getBytes(StandardCharsets.US_ASCII);
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(42);
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            long written = 0;
            int col = 0;
            while (written < bytes) {
                int n = (int) Math.min(block.length, bytes - written);
                for (int i = 0; i < n; i++) {
                    if (col == 100) {
                        block[i] = '\n';
                        col = 0;
                    } else {
                        block[i] = alphabet[rnd.nextInt(64)];
                        col++;
                    }
                }
                out.write(block, 0, n);
                written += n;
            }
        }
    }

    /** The SHA-256 of what a k8s-file log stands for: each F line's payload and '\n', each P line's payload. */
    private static String decodedSha(Path log) {
        try (InputStream in = Files.newInputStream(log)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            byte[] line = new byte[256 * 1024]; // a record is at most 64 KiB, its prefix a few dozen bytes
            int n = 0;
            for (int got; (got = in.read(buf)) > 0; ) {
                for (int i = 0; i < got; i++) {
                    if (buf[i] != '\n') {
                        line[n++] = buf[i];
                        continue;
                    }
                    int at = 0;
                    for (int spaces = 0; spaces < 3; at++) {
                        if (line[at] == ' ') {
                            spaces++;
                        }
                    }
                    md.update(line, at, n - at);
                    if (line[at - 2] == 'F') {
                        md.update((byte) '\n');
                    }
                    n = 0;
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(InputStream in) throws IOException, NoSuchAlgorithmException {
        try (in) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        }
    }
}
