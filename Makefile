# Developer tasks for github.com/brokerless/zmq. `make test` is what CI runs.

GO ?= go
FUZZTIME ?= 10s

.PHONY: all build test test-interop interop-deps browser-deps bench bench-smoke bench-compare demo fuzz

all: test

## build: compile every package without cgo (the main module is pure Go)
build:
	CGO_ENABLED=0 $(GO) build ./...

## test: vet, build without cgo, run the tests with the race detector, then the memory
## recycling tests without it (the race detector makes sync.Pool drop buffers at random,
## so those tests skip themselves under it), the wire and socket tests again with released
## buffers poisoned (-tags zmqpoison: a double Release panics), interop and the benchmark
## smoke check
test: browser-deps
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

## interop-deps: install the JDK and JeroMQ for the interop tests when they are missing;
## without root, say what to install (the JeroMQ tests then skip, or fail under CI=true)
interop-deps:
	@if command -v javac >/dev/null 2>&1 && command -v java >/dev/null 2>&1 && [ -f /usr/share/java/jeromq.jar ]; then \
		exit 0; \
	fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "interop-deps: installing default-jdk-headless and libjeromq-java"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jdk-headless libjeromq-java; \
	else \
		echo "interop-deps: the JeroMQ tests need: apt-get install -y default-jdk-headless libjeromq-java" >&2; \
	fi

## browser-deps: install Debian's chromium for examples/webfeed's browser test when it is
## missing and we are root (as in CI); otherwise say what to install (the test then
## skips, or fails under CI=true)
browser-deps:
	@if command -v chromium >/dev/null 2>&1; then \
		exit 0; \
	fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "browser-deps: installing chromium"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "browser-deps: the browser test needs: apt-get install -y chromium" >&2; \
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
