# skiff: build, test, demo, benchmarks. See README.md.
GO        ?= go
# Drivers skiff never picks: leaving them out keeps the binary small, and
# libcontainer copies the binary it re-executes on every container start.
TAGS      := exclude_graphdriver_btrfs exclude_graphdriver_zfs urfave_cli_no_docs
# The version is derived from the nearest release tag (vX.Y.Z) by
# internal/buildinfo; with no tag (a fresh clone) it is buildinfo.Base-dev+COMMIT.
DESCRIBE  := $(shell git describe --tags --long --always --dirty --match 'v[0-9]*' 2>/dev/null)
COMMIT    := $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS   := -s -w -X github.com/skiff-containers/skiff/internal/buildinfo.describe=$(DESCRIBE) \
             -X github.com/skiff-containers/skiff/internal/buildinfo.stampedCommit=$(COMMIT)
# The supervisor is linked statically (libseccomp, libc): it starts twice
# per container (as itself and as libcontainer's init), and each dynamic
# start loses half a millisecond to loading and relocation.
SUPERVISOR_TAGS := seccomp netgo osusergo
GOFLAGS_BUILD := -tags "$(TAGS)" -trimpath -ldflags "$(LDFLAGS)"

.PHONY: all build check-build-deps test unit integration test-vm deps demo bench bench-deps bench-build clean vet

all: build

# What make build needs beyond Go: a C compiler, and the static libseccomp
# and libc the supervisor links. Missing ones are named, with the fix.
CC ?= cc
check-build-deps:
	@command -v $(CC) >/dev/null 2>&1 || { echo "make build: no C compiler ($(CC)): run 'make deps' as root, or apt-get install gcc" >&2; exit 1; }
	@for lib in libseccomp.a:libseccomp-dev libc.a:libc6-dev; do \
		f=$${lib%%:*}; pkg=$${lib#*:}; \
		case "$$($(CC) -print-file-name=$$f)" in /*) ;; *) echo "make build: $$pkg is missing (the supervisor links $$f statically): run 'make deps' as root, or apt-get install $$pkg" >&2; exit 1 ;; esac; \
	done

build: check-build-deps
	$(GO) build $(GOFLAGS_BUILD) -o bin/skiff .
	$(GO) build -tags "$(SUPERVISOR_TAGS)" -trimpath -ldflags "-s -w -linkmode external -extldflags -static" -o bin/skiff-supervisor ./libexec/skiff-supervisor
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o bin/skiff-init ./libexec/skiff-init
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o bin/skiff-monitor ./libexec/skiff-monitor
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o bin/skiff-ports ./libexec/skiff-ports
	$(GO) build -o bin/testenv ./test/cmd/testenv

# Installs what builds and tests need on a fresh Debian machine (as root).
deps:
	bash test/setup-deps.sh

vet:
	$(GO) vet -tags "$(TAGS) seccomp" ./...

unit:
	$(GO) test -tags "$(TAGS) seccomp" -count=1 ./internal/... ./pkg/... ./libexec/...

integration: build
	$(GO) test -tags "$(TAGS)" -count=1 -timeout 20m ./test/integration/... -skiff-bin $(CURDIR)/bin/skiff

# Boots Debian's kernel under qemu (software emulation) to prove the
# limits on cgroup v2; the kernel package is fetched once into $TMPDIR.
test-vm: build
	$(GO) run ./test/vm -bin $(CURDIR)/bin

test: deps vet unit integration test-vm

demo: deps build
	bash test/demo.sh

# What the benchmarks compare skiff with: podman, buildah, docker.io (as root).
bench-deps:
	bash test/setup-bench-deps.sh

bench: deps bench-deps build
	$(GO) run ./test/bench -skiff-bin $(CURDIR)/bin/skiff -out docs/benchmarks.md

# The build benchmark alone (skiff, podman build, buildah bud, BuildKit);
# its report goes to .bench/, leaving docs/benchmarks.md whole.
bench-build: deps bench-deps build
	mkdir -p .bench
	$(GO) run ./test/bench -skiff-bin $(CURDIR)/bin/skiff -only build -out .bench/benchmarks-build.md

clean:
	rm -rf bin .demo .bench
