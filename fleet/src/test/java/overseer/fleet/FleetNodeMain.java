package overseer.fleet;

import overseer.linux.NativeRuntime;
import overseer.server.Daemon;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * A daemon joined to a fleet in a JVM of its own, for tests that kill -9 a node:
 * {@code FleetNodeMain SERVERS FLEET NODE SLOTS ACK_WAIT_MS DIR [MAX_DELIVER]}.
 */
public final class FleetNodeMain {
    private FleetNodeMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        List<String> servers = Arrays.asList(args[0].split(","));
        Path dir = Path.of(args[5]);
        Daemon d = new Daemon(new NativeRuntime(), dir.resolve("run/overseer.sock"), dir.resolve("state"), true);
        FleetNode.join(d.supervisor(), FleetConfig.of(servers, args[1], args[2], Integer.parseInt(args[3]))
                .withAckWait(Duration.ofMillis(Long.parseLong(args[4]))).withHeartbeat(Duration.ofMillis(300))
                .withMaxDeliver(args.length > 6 ? Integer.parseInt(args[6]) : FleetConfig.DEFAULT_MAX_DELIVER));
        System.out.println("joined");
        Thread.currentThread().join(); // until killed
    }
}
