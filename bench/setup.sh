#!/usr/bin/env bash
# Installs the peers the side-by-side benches run against (not CI's business: .ci/run installs only what the
# tests need). Debian 12 packages, as root:
#   podman 4.3 (under conmon, like Overseer's isolated tasks), containerd 1.6 with ctr, supervisor 4.2 (supervisord),
#   and the runtimes and tools the benches call themselves: crun, runc, conmon, unshare/mount (util-linux), tar, ldd.
# The benches start their own containerd and supervisord with state, sockets and config in a temp dir and stop
# them after; a containerd or supervisor service the packages may have started on a systemd host is not used.
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
  echo "bench/setup.sh: run as root (apt-get, and the isolated peers need root)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends podman containerd supervisor crun runc conmon util-linux mount tar \
  libc-bin procps >/dev/null
for tool in podman ctr containerd supervisord crun runc conmon unshare; do
  printf '%-14s %s\n' "$tool" "$(command -v "$tool") $("$tool" --version 2>/dev/null | head -n 1)"
done
