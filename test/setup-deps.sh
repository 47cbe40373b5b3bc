#!/usr/bin/env bash
# Installs the Debian packages skiff's tests, demo and benchmarks use.
# Run as root on a fresh machine; as another user it only checks.
set -euo pipefail

# package:command pairs; the command tells whether the package is there.
need=(
  "docker-registry:docker-registry"   # the real registry tests pull from
  "busybox-static:busybox"            # the test images' contents
  "uidmap:newuidmap"                  # subordinate id mappings
  "gcc:gcc"                           # cgo: the supervisor, the userns constructor
  "libbtrfs-dev:"                     # headers for go vet over containers/storage
  "libseccomp-dev:"                   # the supervisor's seccomp filters (libcontainer)
  "libc6-dev:"                        # the static C library the supervisor links
  "slirp4netns:slirp4netns"           # the default network's user-mode stack
  "nftables:nft"                      # -p keeps clients' addresses (rules in the container's namespace)
  "iperf3:iperf3"                     # make bench: throughput through -p
  "qemu-system-x86:qemu-system-x86_64" # make test-vm: a cgroup v2 guest
  "systemd:busctl"                    # make test-vm: the guest's systemd user manager
  "dbus-user-session:"                # make test-vm: its session bus (dbus.socket, dbus-daemon)
)
# slirp4netns needs /dev/net/tun; some hosts ship it root-only (0600),
# where containers would get loopback only. Distributions ship 0666.
if [ "$(id -u)" -eq 0 ] && [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
  chmod 0666 /dev/net/tun
  echo "made /dev/net/tun usable by users (chmod 0666), as distributions ship it"
fi
missing=()
for pair in "${need[@]}"; do
  pkg=${pair%%:*} cmd=${pair#*:}
  if [ -n "$cmd" ]; then
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  else
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  fi
done
# busybox-static must be the static build: the test image has no libc.
if command -v busybox >/dev/null 2>&1 && ! file -L "$(command -v busybox)" 2>/dev/null | grep -q static; then
  dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
fi
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing packages: ${missing[*]} (install them as root: apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts a registry service on :5000 on install; tests run their own.
if command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi
echo "installed: ${missing[*]}"
