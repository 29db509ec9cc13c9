# Developer tasks for github.com/brokerless/zmq. `make test` is what CI runs.

GO ?= go
FUZZTIME ?= 10s

.PHONY: all build deps test test-interop test-prom bench bench-smoke bench-compare demo fuzz fuzz-ci staticcheck soak soak-short

all: test

## build: compile every package without cgo (the main module is pure Go), here and for
## Windows and macOS
build:
	CGO_ENABLED=0 $(GO) build ./...
	GOOS=windows CGO_ENABLED=0 $(GO) build ./...
	GOOS=darwin CGO_ENABLED=0 $(GO) build ./...

## test: vet, build without cgo (here, for Windows and for macOS), run the tests with the
## race detector, then the memory recycling and allocation-counting tests without it (the
## race detector makes sync.Pool drop buffers at random, so those tests skip themselves
## under it; so does the zmqpoison tag's bookkeeping, for the allocation counts), the wire
## and socket tests again with released buffers poisoned (-tags zmqpoison: a double Release
## panics), interop and the benchmark smoke check, the short soak run, and every fuzz
## target for 60000 executions. Every go test has an explicit -timeout, well above its run
## time on a loaded 2-core machine, so a hung test fails with stacks instead of hanging CI
test: deps
	$(GO) vet ./...
	$(MAKE) staticcheck
	$(MAKE) build
	$(GO) test -race -count=1 -timeout 20m ./...
	$(GO) test -count=1 -timeout 10m -run 'Release|Alloc' ./wire/ ./socket/
	$(GO) test -count=1 -timeout 15m -tags zmqpoison ./wire/ ./socket/
	$(MAKE) test-interop
	$(MAKE) test-prom
	$(MAKE) bench-smoke
	$(MAKE) soak-short
	$(MAKE) fuzz-ci

## test-interop: run the nested interop module against libzmq (needs cgo and libzmq),
## JeroMQ 0.3.6 and pyzmq (the packages come from `make deps`)
test-interop: deps
	@if [ ! -f interop/go.mod ]; then \
		echo "test-interop: no interop/ module yet; skipping"; \
		exit 0; \
	fi; \
	if ! pkg-config --exists libzmq 2>/dev/null; then \
		echo "test-interop: libzmq not found by pkg-config; install it with: apt-get install -y libzmq3-dev" >&2; \
		exit 1; \
	fi; \
	cd interop && $(GO) vet ./... && $(GO) test -race -count=1 -timeout 20m ./...

## test-prom: the nested metrics/prom module (the client_golang collector, and zmqdevice's
## /metrics parsed by Prometheus's parser); pure Go
test-prom:
	cd metrics/prom && $(GO) vet ./... && $(GO) test -race -count=1 -timeout 10m ./...

## deps: install the system packages the tests need when they are missing (.ci/deps: as root
## with apt-get it installs them; otherwise it names them and stops)
deps:
	@.ci/deps

## bench-smoke: zmqbench builds and pairs with libzmq's perf programs over tcp and ipc,
## both roles, and over CURVE (-curve) with the connection-rate test (needs libzmq3-dev,
## gcc, pkg-config); not a measurement
bench-smoke:
	@if ! pkg-config --exists libzmq 2>/dev/null; then \
		echo "bench-smoke: libzmq not found by pkg-config; install it with: apt-get install -y libzmq3-dev" >&2; \
		exit 1; \
	fi
	cd bench/peers && $(GO) vet ./... && $(GO) test -count=1 -timeout 10m -run 'TestSmoke(Curve)?AgainstLibzmq' .

## bench-compare: the side-by-side run with libzmq, go-zeromq and the floor; rewrites the
## "Side by side with libzmq" section of bench/RESULTS.md (takes about 8 minutes)
bench-compare:
	bench/compare $(BENCH_COMPARE_FLAGS)

## bench: run every benchmark once, with allocation counts
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## demo: the main job: every pattern over inproc, ipc and tcp in one process
demo:
	$(GO) run ./examples/demo

# FUZZ_PKGS: the packages of the main module with a fuzz target (a test file declaring
# `func Fuzz...`), so a new target is picked up by `fuzz` and `fuzz-ci` without editing this
FUZZ_PKGS = $(shell $(GO) list -f '{{$$d := .Dir}}{{range .TestGoFiles}}{{$$d}}/{{.}} {{end}}{{range .XTestGoFiles}}{{$$d}}/{{.}} {{end}}' ./... | \
	xargs -r grep -l '^func Fuzz' | xargs -r -n1 dirname | sort -u | sed 's|^$(CURDIR)|.|')

## fuzz: run each fuzz target of every package in FUZZ_PKGS for $(FUZZTIME); the inputs
## that widen coverage go to the Go build cache, a crasher to the package's testdata/fuzz
fuzz:
	@set -e; \
	if [ -z "$(FUZZ_PKGS)" ]; then echo "fuzz: no package with fuzz targets found" >&2; exit 1; fi; \
	start=$$(date +%s); n=0; log=$$(mktemp); trap 'rm -f $$log' EXIT; \
	for pkg in $(FUZZ_PKGS); do \
		targets=$$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); \
		if [ -z "$$targets" ]; then echo "fuzz: no fuzz targets in $$pkg" >&2; exit 1; fi; \
		for t in $$targets; do \
			echo "fuzz: $$pkg $$t for $(FUZZTIME)"; \
			for try in 1 2; do \
				if $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -timeout 10m $$pkg >$$log 2>&1; then cat $$log; break; fi; \
				cat $$log; \
				if [ $$try = 2 ] || grep -q 'Failing input written to' $$log || ! grep -q 'context deadline exceeded' $$log; then exit 1; fi; \
				echo "fuzz: $$t: Go's fuzz coordinator reported its own -fuzztime deadline as a failure (golang/go#75804, fixed in Go 1.27), no crasher; once more"; \
			done; \
			n=$$((n+1)); \
		done; \
	done; \
	echo "fuzz: $$n targets in $(words $(FUZZ_PKGS)) packages, $(FUZZTIME) each, took $$(( $$(date +%s) - start ))s"

## fuzz-ci: the bounded fuzzing run of `make test`, so a crasher fails the build: every
## target for 60000 executions (2-15 s each on 2 cores, by the target's speed). A count,
## not a duration: with a duration Go 1.26's fuzz coordinator can report its own deadline
## as a failure (golang/go#75804), which no retry makes certain to pass
fuzz-ci:
	$(MAKE) fuzz FUZZTIME=60000x

## staticcheck: run staticcheck $(STATICCHECK_VERSION) on every module (each go.mod outside
## testdata), through `go run` so nothing needs installing; any finding fails
STATICCHECK_VERSION ?= v0.8.2
staticcheck:
	@set -e; \
	for mod in $$(find . -name go.mod -not -path '*/testdata/*' -not -path './.git/*' | xargs -n1 dirname | sort); do \
		echo "staticcheck: $$mod"; \
		(cd $$mod && $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...); \
	done

## soak: the soak and chaos run (internal/soak): peers of ours and of libzmq through a
## zmqdevice streamer (PUSH/PULL), forwarder (PUB/SUB) and queue (REQ/REP), in network
## namespaces, while processes are killed and restarted and links cut with nft; checks
## the invariants from sequence numbers and rewrites SOAK.md. SOAK sets the length
## (needs root, libzmq3-dev, nftables)
SOAK ?= 3m
SOAK_REPORT ?= SOAK.md
soak: deps
	@command -v nft >/dev/null || { echo "soak: nft not found; install it with: apt-get install -y nftables" >&2; exit 1; }
	@set -e; d=$$(mktemp -d); trap 'rm -rf "$$d"' EXIT; \
	$(GO) build -o "$$d/soak" ./internal/soak/cmd/soak; \
	$(GO) build -o "$$d/zmqdevice" ./device/cmd/zmqdevice; \
	(cd bench/peers && $(GO) build -o "$$d/soakpeer" ./cmd/soakpeer); \
	"$$d/soak" -duration $(SOAK) -device "$$d/zmqdevice" -libzmq "$$d/soakpeer" \
		-report "$(SOAK_REPORT)" -log "$$d/soak.log" -command "make soak SOAK=$(SOAK)" \
		|| { status=$$?; echo "soak: last log lines:" >&2; tail -n 40 "$$d/soak.log" >&2; exit $$status; }

## soak-short: the about 60 s soak run CI does as part of make test; its report goes
## to a temporary file, SOAK.md stays as committed
soak-short:
	@if [ "$$(id -u)" != 0 ]; then echo "soak-short: skipped: network namespaces and nftables need root" >&2; exit 0; fi; \
	r=$$(mktemp); trap 'rm -f "$$r"' EXIT; $(MAKE) --no-print-directory soak SOAK=60s SOAK_REPORT="$$r"
