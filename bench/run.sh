#!/usr/bin/env bash
# Builds the bench module and runs a benchmark from the repository root.
#   bench/run.sh spawn [SpawnBench options]   peers side by side, writes bench/target/spawn.csv
#   bench/run.sh scale [COUNT] [--batch=N]    10,000 live tasks: threads, heap, kill→exit-event latency
#   bench/run.sh pause-exits [--bursts=20] [--warm-up=3]  exit latency in bursts of 100 while another task is paused in a loop, beside a C floor
#   bench/run.sh plot                          bench/target/spawn.csv → docs/spawn-rates.png
#   bench/run.sh all                           spawn, then plot, then scale
#   bench/run.sh probe switches|closefrom|phases|placement|gate|watch|logsweep|store [N]  the diagnostics behind the findings in docs/benchmarks.md
#   bench/run.sh api [TASKS] [SECONDS] [WARM-UP]  the daemon's API: GET rate, create+start latency of a warm daemon, heap per 1,000 tasks
#   bench/run.sh daemon [--rounds=2]          the same against bin/overseer daemon (monitor + daemon JVM), as launched vs C1 only
#   bench/run.sh services [TASKS] [CRASHES]    plain task vs durable service vs isolated task; crash -> running again
#   bench/run.sh logflood [MiB] [ROUNDS]       overseer run --log-file beside cat, for a flood of output
#   bench/run.sh cli [RUNS] [LABEL=CMD...]     a CLI verb's round trip (overseer ps against a daemon), before/after the AOT cache
#   bench/run.sh fleet [--commands=300]        fleet on a 3-server JetStream cluster: 1->2->3 nodes, kill -9 a node and a server
#   bench/run.sh isolated [--rounds=40]        isolated /bin/true: Overseer vs crun/runc run, podman run --rm, ctr run --rm -> docs/isolated-peers.png
#   bench/run.sh restart [--crashes=20]        crash -> running again: Overseer service vs supervisord -> docs/restart-peers.png
#   bench/run.sh memory [--tasks=1000]         daemon heap per 1,000 idle tasks; per-task monitor RSS beside podman's conmon and ctr's shim -> docs/memory-peers.png
# The peers (podman, containerd, supervisor) are installed by bench/setup.sh, not by CI.
# The soak (30 minutes against a daemon of its own) has its own script: bench/soak.sh [MINUTES].
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAVA="$JAVA_HOME/bin/java"
CP='bench/target/overseer-bench.jar:bench/target/lib/*'

what="${1:-}"
[ $# -gt 0 ] && shift
case "$what" in
  spawn|scale|plot|all|probe|api|daemon|services|logflood|cli|fleet|isolated|restart|memory|pause-exits) ;;
  *) echo "usage: bench/run.sh spawn|scale|plot|all|probe|api|daemon|services|logflood|cli|fleet|isolated|restart|memory|pause-exits [options]" >&2; exit 64 ;;
esac

./mvnw -q -B -DskipTests -pl bench -am package

spawn() { "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$CP" overseer.bench.SpawnBench "$@"; }
# -Xmx512m: the heap figure is measured against a 256 MB budget, so the JVM gets no room to hide in.
scale() { "$JAVA" --enable-native-access=ALL-UNNAMED -Xmx512m -cp "$CP" overseer.bench.ScaleBench "$@"; }
plot() { "$JAVA" -Djava.awt.headless=true -cp "$CP" overseer.bench.Plot "$@"; }
probe() {
  case "${1:-}" in
    switches) shift; "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$CP" overseer.bench.SwitchProbe "$@" ;;
    closefrom) shift; "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$CP" overseer.bench.CloseFromProbe "$@" ;;
    phases) shift; "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$CP" overseer.bench.SpawnPhases "$@" ;;
    placement) shift; "$JAVA" -cp "$CP" overseer.bench.PlacementFloor "$@" ;;
    gate) shift; "$JAVA" -cp "$CP" overseer.bench.GateFloor "$@" ;;
    watch) shift; "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$CP" overseer.bench.WatchProbe "$@" ;;
    logsweep) shift; "$JAVA" -cp "$CP" overseer.bench.LogSweepProbe "$@" ;;
    store) shift; "$JAVA" -cp "$CP" overseer.bench.StoreProbe "$@" ;;
    *) echo "usage: bench/run.sh probe switches|closefrom|phases|placement|gate|watch|logsweep|store [N]" >&2; exit 64 ;;
  esac
}

case "$what" in
  spawn) spawn "$@" ;;
  scale) scale "$@" ;;
  pause-exits) "$JAVA" --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true -cp "$CP" overseer.bench.PauseExitBench "$@" ;;
  plot) plot "$@" ;;
  all) spawn; plot; scale ;;
  probe) probe "$@" ;;
  # -Xms as -Xmx: ApiBench's System.gc() calls for its heap figure would otherwise shrink the heap under the timed requests.
  api) "$JAVA" --enable-native-access=ALL-UNNAMED -Xms512m -Xmx512m -cp "$CP" overseer.bench.ApiBench "$@" ;;
  daemon) ./mvnw -q -B -DskipTests -Doverseer.image.skip=true -pl cli -am package # bin/overseer runs the cli jar
          "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$CP" overseer.bench.LaunchedDaemonBench "$@" ;;
  services) "$JAVA" --enable-native-access=ALL-UNNAMED -Xmx512m -cp "$CP" overseer.bench.ServiceBench "$@" ;;
  isolated) "$JAVA" --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true -cp "$CP" overseer.bench.IsolatedPeersBench "$@" ;;
  restart) "$JAVA" --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true -cp "$CP" overseer.bench.RestartPeersBench "$@" ;;
  memory) "$JAVA" --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true -Xmx512m -cp "$CP" overseer.bench.MemoryPeersBench "$@" ;;
  fleet) "$JAVA" --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true -cp "$CP" overseer.bench.FleetBench "$@" ;;
  logflood) ./mvnw -q -B -DskipTests -pl cli -am package
            "$JAVA" -Djava.awt.headless=true -cp "$CP" overseer.bench.LogFloodBench "$@" ;;
  cli)
    # The CLI and its image as ./mvnw package makes them; "before" is bin/overseer as it was before the AOT cache.
    ./mvnw -q -B -DskipTests -pl cli -am package
    before="bench/target/overseer-before"
    if git show "${OVERSEER_BEFORE_COMMIT:-4f80be9}:bin/overseer" 2>/dev/null | sed "s|^root=.*|root=\"$PWD\"|" > "$before"; then
      chmod +x "$before"; export OVERSEER_BEFORE="$PWD/$before"
    fi
    "$JAVA" -cp "$CP" overseer.bench.CliBench "$@" ;;
esac
