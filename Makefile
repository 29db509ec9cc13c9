# Developer tasks for github.com/brokerless/zmq. `make test` is what CI runs.

GO ?= go
FUZZTIME ?= 10s

.PHONY: all build test test-interop interop-deps bench bench-smoke bench-compare demo fuzz

all: test

## build: compile every package without cgo (the main module is pure Go)
build:
	CGO_ENABLED=0 $(GO) build ./...

## test: vet, build without cgo, run the tests with the race detector, then the memory
## recycling tests without it (the race detector makes sync.Pool drop buffers at random,
## so those tests skip themselves under it), the wire and socket tests again with released
## buffers poisoned (-tags zmqpoison: a double Release panics), interop and the benchmark
## smoke check
test:
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) build ./...
	$(GO) test -race -count=1 ./...
	$(GO) test -count=1 -run 'Release' ./wire/ ./socket/
	$(GO) test -count=1 -tags zmqpoison ./wire/ ./socket/
	$(MAKE) test-interop
	$(MAKE) bench-smoke

## test-interop: run the nested interop module against libzmq (needs cgo and libzmq) and
## JeroMQ 0.3.6 (needs a JDK and Debian's libjeromq-java, installed here when missing
## and we are root, as in CI)
test-interop: interop-deps
	@if [ ! -f interop/go.mod ]; then \
		echo "test-interop: no interop/ module yet; skipping"; \
		exit 0; \
	fi; \
	if ! pkg-config --exists libzmq 2>/dev/null; then \
		echo "test-interop: libzmq not found by pkg-config; install it with: apt-get install -y libzmq3-dev" >&2; \
		exit 1; \
	fi; \
	cd interop && $(GO) vet ./... && $(GO) test -race -count=1 ./...

## interop-deps: install the JDK and JeroMQ, Debian's pyzmq (python3-zmq, for the
## certificate tests), and node with the npm package zeromq@6.8.0 (libzmq 4.3.5 with the
## draft API, for the draft socket types; npm ci from interop/node's lock file), when they
## are missing; without root, say what to install (those tests then skip, or fail under
## CI=true)
interop-deps:
	@if [ ! -f interop/node/node_modules/zeromq/package.json ]; then \
		if ! command -v npm >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "interop-deps: installing nodejs npm"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; \
		fi; \
		if command -v npm >/dev/null 2>&1; then \
			echo "interop-deps: npm ci in interop/node (zeromq@6.8.0)"; \
			(cd interop/node && npm ci --no-audit --no-fund); \
		else \
			echo "interop-deps: the draft-type interop tests need node and npm (apt-get install -y nodejs npm), then: cd interop/node && npm ci" >&2; \
		fi; \
	fi
	@pkgs=; \
	if ! command -v javac >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1 || [ ! -f /usr/share/java/jeromq.jar ]; then \
		pkgs="default-jdk-headless libjeromq-java"; \
	fi; \
	if ! /usr/bin/python3 -c "import zmq.auth" >/dev/null 2>&1; then \
		pkgs="$$pkgs python3-zmq"; \
	fi; \
	if [ -z "$$pkgs" ]; then \
		exit 0; \
	fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "interop-deps: installing $$pkgs"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs; \
	else \
		echo "interop-deps: the JeroMQ and pyzmq tests need: apt-get install -y $$pkgs" >&2; \
	fi

## bench-smoke: zmqbench builds and pairs with libzmq's perf programs over tcp and ipc,
## both roles (needs libzmq3-dev, gcc, pkg-config); not a measurement
bench-smoke:
	@if ! pkg-config --exists libzmq 2>/dev/null; then \
		echo "bench-smoke: libzmq not found by pkg-config; install it with: apt-get install -y libzmq3-dev" >&2; \
		exit 1; \
	fi
	cd bench/peers && $(GO) vet ./... && $(GO) test -count=1 -run TestSmokeAgainstLibzmq .

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

## fuzz: run each fuzz target of ./wire for $(FUZZTIME)
fuzz:
	@set -e; \
	targets=$$($(GO) test -list '^Fuzz' ./wire | grep '^Fuzz' || true); \
	if [ -z "$$targets" ]; then echo "fuzz: no fuzz targets in ./wire" >&2; exit 1; fi; \
	for t in $$targets; do \
		echo "fuzz: $$t for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) ./wire; \
	done
