#!/usr/bin/env bash
# make demo: skiff's main job, offline. Starts a registry on loopback, puts a
# busybox image in it, pulls it with skiff into a store under .demo/, and
# runs containers from it.
set -euo pipefail
cd "$(dirname "$0")/.."
demo=$PWD/.demo
mkdir -p "$demo"
skiff=(bin/skiff --root "$demo/store" --runroot "$demo/run")

rm -rf "$demo/registry" && mkdir -p "$demo/registry"
bin/testenv registry "$demo/registry" > "$demo/registry.addr" &
reg_pid=$!
trap 'kill $reg_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$demo/registry.addr" ] && break; sleep 0.1; done
addr=$(head -n1 "$demo/registry.addr")
[ -n "$addr" ] || { echo "demo: the registry did not start" >&2; exit 1; }

bin/testenv push-busybox "$addr/demo/busybox:latest"
echo "+ skiff pull $addr/demo/busybox:latest"
"${skiff[@]}" pull "$addr/demo/busybox:latest"
echo "+ skiff tag $addr/demo/busybox:latest busybox"
"${skiff[@]}" tag "$addr/demo/busybox:latest" busybox
echo "+ skiff images"
"${skiff[@]}" images
echo "+ skiff image inspect --format '{{.Os}}/{{.Architecture}} {{.Config.Cmd}}' busybox"
"${skiff[@]}" image inspect --format '{{.Os}}/{{.Architecture}} {{.Config.Cmd}}' busybox
echo "+ skiff run --rm busybox sh -c 'echo hello from \$(hostname), pid \$\$; id'"
"${skiff[@]}" run --rm busybox sh -c 'echo hello from $(hostname), pid $$; id'
echo "+ skiff run -d --name demo busybox sleep 300 && skiff ps && skiff exec demo ps"
"${skiff[@]}" rm -f demo >/dev/null 2>&1 || true
"${skiff[@]}" run -d --name demo busybox sleep 300
"${skiff[@]}" ps
"${skiff[@]}" exec demo ps
echo "+ skiff rm -f demo"
"${skiff[@]}" rm -f demo

# Networking: a published port, and two containers finding each other by
# name on a network of their own.
port=$(bin/testenv free-port)
"${skiff[@]}" rm -f web >/dev/null 2>&1 || true
"${skiff[@]}" network rm demo-net >/dev/null 2>&1 || true
echo "+ skiff network create demo-net"
"${skiff[@]}" network create demo-net
echo "+ skiff run -d --name web --network demo-net -p $port:80 busybox sh -c 'echo hello from web > /tmp/index.html; httpd -f -p 80 -h /tmp'"
"${skiff[@]}" run -d --name web --network demo-net -p "$port:80" busybox sh -c 'echo hello from web > /tmp/index.html; httpd -f -p 80 -h /tmp'
"${skiff[@]}" port web
echo "+ busybox wget -qO- http://127.0.0.1:$port/   # from the host, through -p"
for _ in $(seq 50); do busybox wget -qO- "http://127.0.0.1:$port/" 2>/dev/null && break; sleep 0.1; done
echo "+ skiff run --rm --network demo-net busybox wget -qO- http://web/   # by name"
"${skiff[@]}" run --rm --network demo-net busybox wget -qO- http://web/
echo "+ skiff rm -f web && skiff network rm demo-net"
"${skiff[@]}" rm -f web
"${skiff[@]}" network rm demo-net
echo
echo "The store is in $demo/store. Remove it with: bin/skiff --root $demo/store unshare rm -rf $demo"
