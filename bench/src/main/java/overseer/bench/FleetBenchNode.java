package overseer.bench;

import overseer.fleet.FleetConfig;
import overseer.fleet.FleetNode;
import overseer.linux.NativeRuntime;
import overseer.server.Daemon;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * One fleet node for {@link FleetBench}, a daemon in a JVM of its own so that it can be kill -9'd:
 * {@code FleetBenchNode SERVERS FLEET NODE SLOTS ACK_WAIT_S DIR}. SIGTERM leaves the fleet and stops its tasks.
 */
public final class FleetBenchNode {
    private FleetBenchNode() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path dir = Path.of(args[5]);
        Daemon d = new Daemon(new NativeRuntime(), dir.resolve("run/overseer.sock"), dir.resolve("state"), true);
        FleetNode n = FleetNode.join(d.supervisor(), FleetConfig.of(Arrays.asList(args[0].split(",")), args[1], args[2],
                Integer.parseInt(args[3])).withAckWait(Duration.ofSeconds(Long.parseLong(args[4])))
                .withHeartbeat(Duration.ofMillis(500)).withReplicas(3));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            n.close();
            d.close();
        }));
        Thread.currentThread().join();
    }
}
