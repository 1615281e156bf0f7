package overseer.bench;

import overseer.fleet.Attempt;
import overseer.fleet.FleetClient;
import overseer.fleet.FleetResult;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fleet on a real 3-server JetStream cluster (R=3) with daemons in JVMs of their own:
 * throughput with 1, 2 and 3 nodes of the same slots on {@code sleep} commands, submit→start latency, and the
 * acceptance run (kill -9 of a node, then of a nats-server, in the middle of the commands).
 * {@code FleetBench [--commands=300] [--slots=8] [--sleep=0.5] [--ack-wait=5]}.
 */
public final class FleetBench {
    private static final String NATS = "/usr/sbin/nats-server";

    private FleetBench() {
    }

    record Round(int nodes, int commands, double seconds, double perSecond, long p50, long p99) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (String a : args) {
            String[] kv = a.replaceFirst("^--", "").split("=", 2);
            o.put(kv[0], kv.length > 1 ? kv[1] : "true");
        }
        int commands = Integer.parseInt(o.getOrDefault("commands", "300"));
        int slots = Integer.parseInt(o.getOrDefault("slots", "8"));
        String sleep = o.getOrDefault("sleep", "0.5");
        int ackWait = Integer.parseInt(o.getOrDefault("ack-wait", "5"));
        Path work = Files.createTempDirectory("fleet-bench");
        List<Process> servers = new ArrayList<>();
        List<Process> nodes = new ArrayList<>();
        try {
            List<String> urls = cluster(work, servers);
            List<Round> rounds = new ArrayList<>();
            for (int k = 1; k <= 3; k++) {
                String fleet = "tp" + k;
                List<Process> mine = new ArrayList<>();
                for (int i = 0; i < k; i++) {
                    mine.add(node(work, urls, fleet, "n" + i, slots, ackWait));
                }
                nodes.addAll(mine);
                try (FleetClient c = FleetClient.connect(urls, fleet, 3, Duration.ofSeconds(ackWait), 5)) {
                    awaitNodes(c, k);
                    rounds.add(round(c, k, commands, sleep));
                    if (k == 3) {
                        long[] idle = idleLatency(c, 100, sleep);
                        System.out.printf("idle fleet (3 nodes), submit→start one at a time: p50 %d ms, p99 %d ms, max %d ms%n",
                                idle[idle.length / 2], idle[98], idle[idle.length - 1]);
                    }
                }
                for (Process p : mine) {
                    p.destroy(); // SIGTERM: the node leaves, its daemon stops its tasks
                    p.waitFor();
                }
                System.out.println(rounds.getLast());
            }
            String acceptance = acceptance(work, urls, servers, nodes, commands, slots, sleep, ackWait);
            System.out.println(acceptance);
            Path csv = Path.of("bench/target/fleet.csv");
            Files.createDirectories(csv.getParent());
            StringBuilder sb = new StringBuilder("nodes,commands,seconds,per_second,submit_start_p50_ms,submit_start_p99_ms\n");
            rounds.forEach(r -> sb.append("%d,%d,%.2f,%.1f,%d,%d%n".formatted(r.nodes(), r.commands(), r.seconds(),
                    r.perSecond(), r.p50(), r.p99())));
            Files.writeString(csv, sb.toString());
            plot(Path.of("docs/fleet-throughput.png"), rounds, slots, sleep);
        } finally {
            nodes.forEach(Process::destroyForcibly);
            servers.forEach(Process::destroyForcibly);
        }
    }

    /** Ids whose final result was published: counted from the results subject, not by polling the bucket. */
    static final class Ended implements AutoCloseable {
        final java.util.Set<String> ids = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final AutoCloseable sub;

        private final FleetClient client;

        Ended(FleetClient c) {
            client = c;
            sub = c.onResults(r -> ids.add(r.id()));
        }

        int count() {
            return ids.size();
        }

        void await(int n, Duration patience) throws InterruptedException {
            long deadline = System.nanoTime() + patience.toNanos();
            long lookedAt = System.nanoTime();
            while (count() < n) {
                // Core NATS is at-most-once: a result published while this client reconnects (its server was
                // the one killed) is not seen. The bucket, read every few seconds, has them all.
                if (System.nanoTime() - lookedAt > Duration.ofSeconds(3).toNanos()) {
                    lookedAt = System.nanoTime();
                    try {
                        client.results().stream().filter(FleetResult::ended).forEach(r -> ids.add(r.id()));
                    } catch (RuntimeException election) {
                        // ask again later
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + count() + " of " + n + " commands ended within " + patience);
                }
                Thread.sleep(20);
            }
        }

        @Override
        public void close() throws Exception {
            sub.close();
        }
    }

    private static Round round(FleetClient c, int k, int n, String sleep) throws Exception {
        try (Ended ended = new Ended(c)) {
            return round(c, ended, k, n, sleep);
        }
    }

    private static Round round(FleetClient c, Ended ended, int k, int n, String sleep) throws InterruptedException {
        // Eight submitters at once, as many clients would be: one submitter's round trips (a bucket read, a
        // replicated publish) would otherwise pace the fleet rather than the nodes.
        Map<String, Long> submitted = new java.util.concurrent.ConcurrentHashMap<>();
        long t0 = System.currentTimeMillis();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < n; i++) {
                String id = "c" + i;
                pool.submit(() -> {
                    submitted.put(id, System.currentTimeMillis());
                    c.submit(cmd(id, sleep));
                });
            }
        }
        ended.await(n, Duration.ofMinutes(5));
        List<FleetResult> done = awaitEnded(c, n, Duration.ofMinutes(1));
        long end = done.stream().mapToLong(r -> r.attempts().getLast().endedAt()).max().orElse(t0);
        long[] lat = done.stream().mapToLong(r -> r.attempts().getFirst().startedAt() - submitted.get(r.id())).sorted().toArray();
        double s = (end - t0) / 1000.0;
        return new Round(k, n, s, n / s, lat[lat.length / 2], lat[(int) Math.min(lat.length - 1, Math.ceil(lat.length * 0.99) - 1)]);
    }

    private static String acceptance(Path work, List<String> urls, List<Process> servers, List<Process> nodes, int n,
                                     int slots, String sleep, int ackWait) throws Exception {
        String fleet = "accept";
        List<Process> mine = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            mine.add(node(work, urls, fleet, "n" + i, slots, ackWait));
        }
        nodes.addAll(mine);
        try (FleetClient c = FleetClient.connect(urls, fleet, 3, Duration.ofSeconds(ackWait), 5)) {
            awaitNodes(c, 3);
            Ended ended = new Ended(c);
            for (int i = 0; i < n; i++) {
                c.submit(cmd("a" + i, sleep));
            }
            while (ended.count() < n / 3) {
                Thread.sleep(50);
            }
            List<String> held = c.nodes().stream().filter(h -> h.node().equals("n0")).findFirst().orElseThrow().running();
            List<ProcessHandle> orphans = mine.getFirst().descendants().toList();
            mine.getFirst().destroyForcibly().waitFor(); // kill -9 of node n0
            long killedAt = System.currentTimeMillis();
            orphans.forEach(ProcessHandle::destroyForcibly);
            // The heartbeat is up to half a second old: what n0 had finished by then is not to be rerun.
            List<String> interrupted = held.stream().filter(id -> c.result(id).map(r -> !r.ended()).orElse(false)).toList();
            // The server is killed once the dead node's work is picked up, so that the pick-up time is the node's
            // alone (a server lost meanwhile adds its elections to it), and at two thirds at the earliest.
            while (ended.count() < 2 * n / 3 || !interrupted.stream().allMatch(id -> rerun(c, id))) {
                Thread.sleep(200);
            }
            servers.getFirst().destroyForcibly().waitFor(); // kill -9 of one nats-server of three
            ended.await(n, Duration.ofMinutes(5));
            ended.close();
            List<FleetResult> all = awaitEnded(c, n, Duration.ofMinutes(5));
            long ok = all.stream().filter(r -> r.state().equals("SUCCESS")).count();
            List<FleetResult> rerun = all.stream().filter(r -> r.attempts().size() > 1).toList();
            long namingBoth = rerun.stream().filter(r -> r.attempts().getFirst().node().equals("n0")
                    && !r.node().equals("n0")).count();
            long[] pickup = rerun.stream().mapToLong(r -> r.attempts().getLast().startedAt() - killedAt).sorted().toArray();
            return "acceptance: %d commands, %d ended, %d SUCCESS, %d lost; %d rerun after the kill -9 of n0, %d naming n0 then a survivor; pick-up after the kill: min %d ms, max %d ms (AckWait %d s); results read from a fresh client: %d"
                    .formatted(n, all.size(), ok, n - all.size(), rerun.size(), namingBoth,
                            pickup.length == 0 ? 0 : pickup[0], pickup.length == 0 ? 0 : pickup[pickup.length - 1], ackWait,
                            readBack(urls, fleet));
        }
    }

    private static boolean rerun(FleetClient c, String id) {
        try {
            return c.result(id).map(r -> r.attempts().size() > 1).orElse(false);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Submit→start one command at a time on an idle fleet: the latency without queueing for a slot. */
    private static long[] idleLatency(FleetClient c, int n, String sleep) throws InterruptedException {
        long[] lat = new long[n];
        for (int i = 0; i < n; i++) {
            String id = "idle" + i;
            long at = System.currentTimeMillis();
            c.submit(cmd(id, "0"));
            FleetResult r = c.await(id, Duration.ofSeconds(30)).orElseThrow();
            lat[i] = r.attempts().getFirst().startedAt() - at;
        }
        Arrays.sort(lat);
        return lat;
    }

    private static long readBack(List<String> urls, String fleet) {
        try (FleetClient other = FleetClient.connect(urls.subList(1, 3), fleet)) {
            return other.results().stream().filter(FleetResult::ended).count();
        }
    }

    private static List<FleetResult> awaitEnded(FleetClient c, int n, Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                List<FleetResult> all = c.results();
                if (all.stream().filter(FleetResult::ended).count() >= n) {
                    return all;
                }
            } catch (RuntimeException e) {
                // election in progress
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("not all " + n + " commands ended within " + patience);
    }

    private static void awaitNodes(FleetClient c, int k) throws InterruptedException {
        while (c.nodes().size() < k) {
            Thread.sleep(100);
        }
    }

    private static String cmd(String id, String sleep) {
        return "{\"id\": \"" + id + "\", \"command\": \"core.system\", \"arguments\": {\"name\": \"/bin/sleep\", \"args\": [\"" + sleep + "\"]}}";
    }

    private static Process node(Path work, List<String> urls, String fleet, String node, int slots, int ackWait) throws IOException {
        Path home = work.resolve(fleet + "-" + node);
        Files.createDirectories(home);
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), FleetBenchNode.class.getName(), String.join(",", urls), fleet, node,
                String.valueOf(slots), String.valueOf(ackWait), home.toString())
                .redirectErrorStream(true).redirectOutput(home.resolve("node.log").toFile()).start();
    }

    private static List<String> cluster(Path work, List<Process> servers) throws Exception {
        int[] client = new int[3];
        int[] route = new int[3];
        for (int i = 0; i < 3; i++) {
            client[i] = freePort();
            route[i] = freePort();
        }
        String routes = Arrays.stream(route).mapToObj(p -> "nats://127.0.0.1:" + p).reduce((a, b) -> a + "," + b).orElseThrow();
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path sd = work.resolve("nats" + i);
            Files.createDirectories(sd);
            servers.add(new ProcessBuilder(NATS, "-js", "-sd", sd.toString(), "-a", "127.0.0.1", "-p", String.valueOf(client[i]),
                    "-n", "n" + i, "--cluster_name", "bench", "--cluster", "nats://127.0.0.1:" + route[i], "--routes", routes)
                    .redirectErrorStream(true).redirectOutput(sd.resolve("server.log").toFile()).start());
            urls.add("nats://127.0.0.1:" + client[i]);
        }
        for (int p : client) {
            while (true) {
                try (Socket ignored = new Socket("127.0.0.1", p)) {
                    break;
                } catch (IOException e) {
                    Thread.sleep(50);
                }
            }
        }
        return urls;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void plot(Path png, List<Round> rounds, int slots, String sleep) throws IOException {
        int w = 760;
        int h = 360;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString("Fleet throughput, " + slots + " slots per node, sleep " + sleep + " s commands", 20, 28);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString("commands/s (bar), speed-up over 1 node, submit→start p50/p99; 3-server JetStream cluster R=3, " + Machine.now().describe(), 20, 46);
        double max = rounds.stream().mapToDouble(Round::perSecond).max().orElse(1);
        double base = rounds.getFirst().perSecond();
        int barW = 140;
        for (int i = 0; i < rounds.size(); i++) {
            Round r = rounds.get(i);
            int x = 80 + i * 220;
            int bh = (int) (220 * r.perSecond() / max);
            g.setColor(new Color(0x3b6ea8));
            g.fillRect(x, 300 - bh, barW, bh);
            g.setColor(Color.BLACK);
            g.drawString("%.1f/s  ×%.2f".formatted(r.perSecond(), r.perSecond() / base), x, 295 - bh);
            g.drawString(r.nodes() + (r.nodes() == 1 ? " node" : " nodes"), x, 318);
            g.drawString("p50 %d ms, p99 %d ms".formatted(r.p50(), r.p99()), x, 336);
        }
        g.dispose();
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(img, "png", png.toFile());
    }
}
