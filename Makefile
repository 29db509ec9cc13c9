# Developer tasks for github.com/brokerless/zmq. `make test` is what CI runs.

GO ?= go
FUZZTIME ?= 10s

.PHONY: all build deps test test-interop bench bench-smoke bench-compare demo fuzz

all: test

## build: compile every package without cgo (the main module is pure Go)
build:
	CGO_ENABLED=0 $(GO) build ./...

## test: vet, build without cgo, run the tests with the race detector, then the memory
## recycling tests without it (the race detector makes sync.Pool drop buffers at random,
## so those tests skip themselves under it), the wire and socket tests again with released
## buffers poisoned (-tags zmqpoison: a double Release panics), interop and the benchmark
## smoke check. Every go test has an explicit -timeout, well above its run time on a
## loaded 2-core machine, so a hung test fails with stacks instead of hanging CI
test: deps
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) build ./...
	$(GO) test -race -count=1 -timeout 20m ./...
	$(GO) test -count=1 -timeout 10m -run 'Release' ./wire/ ./socket/
	$(GO) test -count=1 -timeout 15m -tags zmqpoison ./wire/ ./socket/
	$(MAKE) test-interop
	$(MAKE) bench-smoke

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

## fuzz: run each fuzz target of ./wire and ./transport/ws for $(FUZZTIME)
fuzz:
	@set -e; \
	for pkg in ./wire ./transport/ws; do \
		targets=$$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); \
		if [ -z "$$targets" ]; then echo "fuzz: no fuzz targets in $$pkg" >&2; exit 1; fi; \
		for t in $$targets; do \
			echo "fuzz: $$pkg $$t for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done
