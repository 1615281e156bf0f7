#!/usr/bin/env bash
# What the SQLite fsyncs cost create+start: ApiBench with the daemon's state dir (and socket) on the disk (/tmp,
# ext4: synchronous=FULL fsyncs reach the device) and on tmpfs (/dev/shm: the same fsyncs return at once),
# alternating, one run. Durability is not changed: only where the bench puts its temporary directory.
# Usage: bench/store-ab.sh [RUNS] (default 3); needs bench/run.sh's build.
cd "$(dirname "$0")/.."
J="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
for i in $(seq 1 "${1:-3}"); do
  for dir in /tmp /dev/shm; do
    r=$($J --enable-native-access=ALL-UNNAMED -Xmx512m -Djava.io.tmpdir=$dir -cp "bench/target/overseer-bench.jar:bench/target/lib/*" overseer.bench.ApiBench 200 5 2>/dev/null | grep -E "GET|native create")
    echo "$i $dir $(cut -d' ' -f1 /proc/loadavg) | $(echo "$r" | tr '\n' ' ')"
  done
done
