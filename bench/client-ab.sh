#!/usr/bin/env bash
# A/B of two builds of the client (first the buffered reads, then keep-alive): ApiBench's GET rate and native
# create+start, before and after, alternating, one run.
# Usage: bench/client-ab.sh BEFORE.jar AFTER.jar (two builds of client/target/overseer-client-*.jar); needs bench/run.sh's build.
cd "$(dirname "$0")/.."
J="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
for i in 1 2 3 4; do
  for v in before after; do
    jar=$([ "$v" = before ] && echo "$1" || echo "$2")
    r=$($J --enable-native-access=ALL-UNNAMED -Xmx512m -cp "$jar:bench/target/overseer-bench.jar:bench/target/lib/*" overseer.bench.ApiBench 200 5 2>/dev/null | grep -E "GET|native create")
    echo "$i $v $(cut -d' ' -f1 /proc/loadavg) | $(echo "$r" | tr '\n' ' ')"
  done
done
