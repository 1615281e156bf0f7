package overseer.bench;

import overseer.client.OverseerClient;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.TaskSpec;
import overseer.linux.NativeRuntime;
import overseer.server.Daemon;
import overseer.wire.RestartPolicy;
import overseer.wire.ServiceSpec;
import overseer.wire.Supervision;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Crash → running again, Overseer against supervisord, on the same program in one run: {@code /bin/sh -c 'echo $$
 * > FIFO; exec /bin/sleep 100000'}. Each crash is a SIGKILL (through a pidfd) of the pid the program last reported;
 * the time is taken from just before the signal to the new process's report on the FIFO ({@link UpReports}):
 * the same observation for every peer, through neither's API, so that it measures the restart and not how each
 * one tells about it. Before each crash the bench waits a random 0–1 s (the same sequence for every peer): supervisord
 * acts in a loop that wakes at least once a second, and a crash must not keep landing at the same point of it.
 *
 * <p>Overseer: a daemon in this JVM as {@code overseer daemon} runs native tasks (every task in its own cgroup),
 * a service with {@code restart: always}, at the minimum backoff (0: restarted as soon as the exit is journaled)
 * and at docker's first backoff (100 ms) for comparison. supervisord: {@code autorestart=true}, {@code startsecs=0}.
 * Crashes take turns between the peers. Prints p50/p99 and the ratio, draws docs/restart-peers.png.
 *
 * <pre>bench/run.sh restart [--crashes=20] [--png=docs/restart-peers.png]</pre>
 */
public final class RestartPeersBench {
    private static final java.util.logging.Logger HELIDON = java.util.logging.Logger.getLogger("io.helidon");
    private static final Duration UP_TIMEOUT = Duration.ofSeconds(15);

    private RestartPeersBench() {
    }

    /** One supervisor with its program up: the pid last reported, and where its reports arrive. */
    private static final class Peer {
        final String name;
        final UpReports reports;
        long pid;

        Peer(String name, UpReports reports) throws InterruptedException {
            this.name = name;
            this.reports = reports;
            this.pid = reports.next(-1, UP_TIMEOUT).pid();
        }

        long crash() throws InterruptedException {
            long old = pid;
            long t0 = System.nanoTime();
            if (!Pidfd.signal(old, Pidfd.SIGKILL)) {
                throw new IllegalStateException(name + ": pid " + old + " was gone before the crash");
            }
            UpReports.Up up = reports.next(old, UP_TIMEOUT);
            pid = up.pid();
            return up.nanos() - t0;
        }
    }

    public static void main(String[] argv) throws Exception {
        HELIDON.setLevel(java.util.logging.Level.WARNING);
        Args args = Args.parse(argv);
        int crashes = args.intOption("crashes", 20);
        Path png = Path.of(args.option("png", "docs/restart-peers.png"));
        PeerTools.require("RestartPeersBench", List.of("supervisord", "mkfifo"));
        Closer open = new Closer();
        // Closed in reverse order of opening: the scratch directory (mounts, cgroups, files) last.
        Scratch scratch = open.add(Scratch.create("ovrestart"));
        try {
            String sd = Cmd.run(scratch.dir, "supervisord", "--version").orThrow().out().strip();
            System.out.printf("RestartPeersBench: %d crashes per peer, supervisord %s, %s%n", crashes, sd, Machine.now().describe());
            List<Peer> peers = new ArrayList<>();
            NativeRuntime daemonNative = new NativeRuntime(NativeRuntime.Options.defaults().withCgroupEveryTask(true)
                    .withCgroupParent(Scratch.CGROUP_PARENT.substring(1) + "/overseer"));
            Daemon daemon = new Daemon(daemonNative, scratch.resolve("d.sock"), scratch.resolve("store"), true);
            open.add(daemon);
            OverseerClient client = new OverseerClient(daemon.socket());
            for (Duration backoff : List.of(Duration.ZERO, RestartPolicy.INITIAL_DELAY)) {
                UpReports r = new UpReports(scratch.resolve("up-overseer-" + backoff.toMillis()));
                open.add(r);
                String id = "crasher-" + backoff.toMillis();
                // resetAfter 0: every restart is the first of its streak, so each waits exactly this backoff;
                // a start limit of 0 never trips.
                RestartPolicy policy = RestartPolicy.parse("restart", "always").withBackoff(backoff, backoff, Duration.ZERO)
                        .withStartLimit(0, Duration.ZERO);
                ProcessSpec program = ProcessSpec.builder("/bin/sh", "-c", r.program("/bin/sleep 100000"))
                        .stdout(Redirect.NULL).stderr(Redirect.NULL).build();
                client.createTask("default", new ServiceSpec(TaskSpec.of(id, program), Supervision.NONE.withRestart(policy)));
                client.start("default", id);
                peers.add(new Peer("Overseer, restart: always, backoff " + backoff.toMillis() + " ms", r));
            }
            UpReports sr = new UpReports(scratch.resolve("up-supervisord"));
            open.add(sr);
            Supervisord supervisord = Supervisord.start(scratch.resolve("supervisord"), "crasher", sr.program("/bin/sleep 100000"));
            open.add(supervisord);
            peers.add(new Peer("supervisord, autorestart=true startsecs=0", sr));

            Map<String, long[]> nanos = new LinkedHashMap<>();
            peers.forEach(p -> nanos.put(p.name, new long[crashes]));
            Random pauses = new Random(14);
            for (int i = 0; i < crashes; i++) {
                long pause = pauses.nextInt(1000);
                for (int k = 0; k < peers.size(); k++) {
                    Peer p = peers.get((k + i) % peers.size());
                    Thread.sleep(pause);
                    nanos.get(p.name)[i] = p.crash();
                }
            }
            List<Latencies> rows = new ArrayList<>();
            System.out.println();
            System.out.println("| crash -> running again | p50 ms | p99 ms | max ms |");
            System.out.println("|---|---:|---:|---:|");
            for (Peer p : peers) {
                Latencies l = Latencies.of(p.name, nanos.get(p.name));
                rows.add(l);
                System.out.printf("| %s | %.1f | %.1f | %.1f |%n", l.what(), l.p50() / 1e6, l.p99() / 1e6, l.max() / 1e6);
            }
            Latencies fastest = rows.getFirst();
            Latencies sup = rows.getLast();
            System.out.printf("%nOverseer at the minimum backoff ÷ supervisord (p50): %.3f× (goal ≤ 0.5×); p99: %.3f×%n",
                    fastest.p50() / (double) sup.p50(), fastest.p99() / (double) sup.p99());
            BarPlot.write(png, "Crash -> running again: Overseer service vs supervisord, one run", Machine.now().describe(), rows, 10_000);
            System.out.println("plot: " + png);
        } finally {
            open.close();
        }
    }
}
