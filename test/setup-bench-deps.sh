#!/usr/bin/env bash
# Installs the Debian packages make bench compares skiff with: podman (with
# runc, the bench's anchor), buildah, and docker.io (dockerd with BuildKit),
# plus uidmap for the rootless runs. Run as root; as another user it only
# checks. Quiet and idempotent: with everything there it does nothing.
#
# docker.io starts dockerd and containerd when it is installed. The bench
# starts its own dockerd (its own root and socket, in a temp dir), so the
# install runs with a policy-rc.d that forbids starting services, and no
# system daemon is left running afterwards.
set -euo pipefail

# package:command pairs; the command tells whether the package is there.
need=(
  "podman:podman"
  "runc:runc"                 # podman's runtime in the bench (crun refuses this host)
  "buildah:buildah"
  "docker.io:dockerd"
  "uidmap:newuidmap"
  "slirp4netns:slirp4netns"   # rootless podman's and buildah's network
)
missing=()
for pair in "${need[@]}"; do
  pkg=${pair%%:*} cmd=${pair#*:}
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done
# The docker CLI must be docker.io's own (/usr/bin/docker): its classic
# builder talks BuildKit to dockerd 20.10 without the buildx plugin.
if command -v dockerd >/dev/null 2>&1 && [ ! -x /usr/bin/docker ]; then
  missing+=(docker.io)
fi
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing packages: ${missing[*]} (install them as root: bash test/setup-bench-deps.sh, or apt-get install ${missing[*]})" >&2
  exit 1
fi

# A policy-rc.d that exits 101 keeps invoke-rc.d (and deb-systemd-invoke)
# from starting docker and containerd during the install. One that is
# already there and says 101 is kept; any other is set aside and put back.
policy=/usr/sbin/policy-rc.d
saved=""
created=""
restore_policy() {
  if [ -n "$created" ]; then
    rm -f "$policy"
  fi
  if [ -n "$saved" ]; then
    mv -f "$saved" "$policy"
  fi
}
trap restore_policy EXIT
rc=0
if [ -e "$policy" ]; then
  "$policy" docker start >/dev/null 2>&1 || rc=$?
fi
if [ "$rc" -ne 101 ]; then
  if [ -e "$policy" ]; then
    saved=$(mktemp "$policy.skiff-bench.XXXXXX")
    mv -f "$policy" "$saved"
  fi
  printf '#!/bin/sh\n# test/setup-bench-deps.sh: no service starts during the install.\nexit 101\n' >"$policy"
  chmod 0755 "$policy"
  created=1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
restore_policy
saved="" created=""
trap - EXIT

# Keep the system's daemons from starting later, and stop any that did
# start (a host whose init ignores policy-rc.d): by the pid they wrote.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now docker.socket docker.service containerd.service >/dev/null 2>&1 || true
fi
for pidfile in /run/docker.pid /run/containerd/containerd.pid; do
  [ -s "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    echo "stopped the system's $(basename "$pidfile" .pid) (pid $pid) the install started"
  fi
done
echo "installed: ${missing[*]}"
