#!/usr/bin/env bash
# A soak of `overseer daemon` (issue 10), outside CI: 8 workers of create/start/exec/kill/delete for MINUTES
# (default 30) against a daemon started here (monitor + daemon, native runtime, its own state and cgroup
# parent), the daemon's RSS, descriptors and threads sampled every 5 s.
#   bench/soak.sh [MINUTES] [SoakBench options: --workers=8 --interval=5 --warmup=M]
# Writes bench/target/soak.csv and docs/soak.png; prints the trend after warm-up. Needs root (task cgroups).
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAVA="$JAVA_HOME/bin/java"
minutes="${1:-30}"
[ $# -gt 0 ] && shift

./mvnw -q -B -DskipTests -pl bench,cli -am package

dir="$(mktemp -d /tmp/overseer-soak.XXXXXX)"
parent="overseer-soak-$$"
"$JAVA" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -cp "cli/target/overseer-cli.jar:cli/target/lib/*" \
  overseer.cli.Main daemon --socket "$dir/d.sock" --state-dir "$dir/state" --runtime native \
  --cgroup-parent "$parent" --stop-tasks >"$dir/daemon.log" 2>&1 &
monitor=$!
cleanup() {
  kill -TERM "$monitor" 2>/dev/null || true
  wait "$monitor" 2>/dev/null || true
  for h in /sys/fs/cgroup/*/"$parent"; do
    [ -d "$h" ] && find "$h" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 100); do
  [ -S "$dir/d.sock" ] && [ -s "$dir/state/daemon.pid" ] && break
  sleep 0.2
done
pid="$(cat "$dir/state/daemon.pid")"
echo "daemon pid $pid (monitor $monitor), log $dir/daemon.log"
"$JAVA" --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true -cp 'bench/target/overseer-bench.jar:bench/target/lib/*' \
  overseer.bench.SoakBench --socket="$dir/d.sock" --pid="$pid" --minutes="$minutes" \
  --csv=bench/target/soak.csv --png=docs/soak.png "$@"
