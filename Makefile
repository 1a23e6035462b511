# slopipe — build, run and test. `make run` and `make test` do all set-up on a
# fresh machine with Go, npm and git.

GO            ?= go
BIN           := bin/slopipe
CHDB_VERSION  := 26.5.3
# sha512 of @chdb/lib-linux-x64-gnu@$(CHDB_VERSION) as published by the registry;
# the download is checked against this and against the registry's metadata.
CHDB_INTEGRITY := sha512-fPrLmRt5Moor9yGz4mazbrNje4t7X9KB2mTGkXFWRxRBs2iKy8yh6jx11xsa0Qr3iDFMU/yHqd+bVdYJXu3QaQ==
CACHE_DIR     ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/slopipe
CHDB_DIR      := $(CACHE_DIR)/chdb-$(CHDB_VERSION)
LIBCHDB       := $(CHDB_DIR)/libchdb.so
export SLOPIPE_LIBCHDB ?= $(LIBCHDB)

# Real peers the acceptance tests run against, kept in the cache too.
TOOLS_DIR            := $(CACHE_DIR)/bin
TELEMETRYGEN_VERSION := v0.161.0
TELEMETRYGEN         := $(TOOLS_DIR)/telemetrygen-$(TELEMETRYGEN_VERSION)
PROMETHEUS           := $(TOOLS_DIR)/prometheus-debian
PROMTOOL             := $(TOOLS_DIR)/promtool-debian
ALERTMANAGER         := $(TOOLS_DIR)/alertmanager-debian
AMTOOL               := $(TOOLS_DIR)/amtool-debian
ALERTMANAGER_TEMPLATES := /usr/share/prometheus/alertmanager/default.tmpl /usr/share/prometheus/alertmanager/email.tmpl
export SLOPIPE_TELEMETRYGEN ?= $(TELEMETRYGEN)
export SLOPIPE_PROMETHEUS   ?= $(PROMETHEUS)
export SLOPIPE_PROMTOOL     ?= $(PROMTOOL)
export SLOPIPE_ALERTMANAGER ?= $(ALERTMANAGER)
export SLOPIPE_AMTOOL       ?= $(AMTOOL)

.PHONY: all build run test bench bench-compare lint engine peers clean

all: build

## build: bin/slopipe, and the embedded engine library in the per-user cache
build: engine
	$(GO) build -o $(BIN) ./cmd/slopipe

## run: the daemon with the embedded store and the built-in default config
run: build
	./$(BIN)

## test: every package, against the real engine, telemetrygen, Prometheus and Alertmanager
test: engine peers
	$(GO) test -count=1 ./...
	cd deploy && $(GO) test -count=1 ./...

## bench: benchmarks; results and the command that produced them go to docs/BENCHMARKS.md
# Batch benchmarks run a fixed 20 iterations (each is 10 000+ rows into the
# engine); per-request ones run for a second.
BENCH_CMD := $(GO) test -run NONE -bench . -benchmem -benchtime 20x -count 3 ./cmd/slopipe ./exporters/... ./store/... && $(GO) test -run NONE -bench . -benchmem -count 3 ./processors/... ./receivers/... ./cost/... && $(GO) test -run NONE -bench . -benchmem -benchtime 10x -count 3 -timeout 60m ./slo/... ./alerting/...
bench: engine
	( $(BENCH_CMD) ) | tee bench.out
	@{ echo "# Benchmarks"; echo; \
	  echo "Produced by \`make bench\`, which runs:"; echo; \
	  echo '    $(BENCH_CMD)'; echo; \
	  echo "Date: $$(date -u +%Y-%m-%d). Machine: $$(nproc) cores, $$(free -g | awk '/Mem:/{print $$2}') GiB, $$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')."; echo; \
	  cat docs/benchmarks-notes.md; echo; \
	  echo '## Results of the Go benchmarks'; echo; \
	  echo '```'; grep -E '^(Benchmark|goos|goarch|cpu|pkg)' bench.out; echo '```'; echo; } > docs/BENCHMARKS.md
	$(MAKE) bench-compare
	cat $(BENCH_COMPARE_OUT) >> docs/BENCHMARKS.md
	@echo "wrote docs/BENCHMARKS.md"

## bench-compare: slopipe vs the collector-contrib ClickHouse exporter (bench/reference) on the same engine and load; writes docs/benchmarks-compare.md
# Every configuration 3 times with fresh processes; 10 s of load each.
BENCH_COMPARE_OUT   := docs/benchmarks-compare.md
BENCH_COMPARE_FLAGS ?= -runs 3 -duration 10s
bench-compare: build
	cd bench/reference && $(GO) build -o reference .
	$(GO) build -o bin/engineserver ./bench/engineserver
	$(GO) build -o bin/compare ./bench/compare
	bin/compare -out $(BENCH_COMPARE_OUT) $(BENCH_COMPARE_FLAGS)

## lint: go vet and gofmt
lint:
	$(GO) vet ./...
	cd deploy && $(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

## engine: fetch libchdb once into the per-user cache (never into the repository)
engine: $(LIBCHDB)

$(LIBCHDB):
	@command -v npm >/dev/null || { echo "npm is needed to fetch the embedded ClickHouse engine (apt-get install npm)"; exit 1; }
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	echo "fetching @chdb/lib-linux-x64-gnu@$(CHDB_VERSION) into $(CHDB_DIR)"; \
	registry=$$(npm view @chdb/lib-linux-x64-gnu@$(CHDB_VERSION) dist.integrity 2>/dev/null); \
	if [ "$$registry" != "$(CHDB_INTEGRITY)" ]; then echo "registry metadata integrity $$registry differs from the pinned $(CHDB_INTEGRITY)"; exit 1; fi; \
	(cd "$$tmp" && npm pack --silent @chdb/lib-linux-x64-gnu@$(CHDB_VERSION) >/dev/null); \
	got=$$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write("sha512-"+c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$$tmp"/*.tgz); \
	if [ "$$got" != "$(CHDB_INTEGRITY)" ]; then echo "downloaded package integrity $$got does not match $(CHDB_INTEGRITY)"; exit 1; fi; \
	mkdir -p "$(CHDB_DIR)"; \
	tar -xzf "$$tmp"/*.tgz -C "$$tmp" package/libchdb.so; \
	mv "$$tmp/package/libchdb.so" "$(LIBCHDB).part"; mv "$(LIBCHDB).part" "$(LIBCHDB)"; \
	echo "engine ready: $(LIBCHDB)"

## peers: telemetrygen (Go proxy), Prometheus with promtool and Alertmanager with amtool (Debian's packages, unpacked, not installed as services), systemd-analyze
peers: $(TELEMETRYGEN) $(PROMETHEUS) $(PROMTOOL) $(ALERTMANAGER) $(AMTOOL) $(ALERTMANAGER_TEMPLATES)
	@# The systemd unit's test runs systemd-analyze (Debian's systemd package).
	@command -v systemd-analyze >/dev/null || { echo "installing Debian's systemd for systemd-analyze"; \
	  sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get install -y -qq systemd >/dev/null 2>&1 || { $$sudo apt-get update -qq && $$sudo apt-get install -y -qq systemd >/dev/null; }; }

$(TELEMETRYGEN):
	@mkdir -p $(TOOLS_DIR)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	echo "installing telemetrygen $(TELEMETRYGEN_VERSION) into $(TOOLS_DIR)"; \
	GOBIN="$$tmp" $(GO) install github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@$(TELEMETRYGEN_VERSION); \
	mv "$$tmp/telemetrygen" "$@"

# fetch_debian unpacks Debian package $(1) and moves its /usr/bin/$(2) to
# $(3) and /usr/bin/$(4) to $(5): the two binaries of one package come
# together, either missing fetches both.
define fetch_debian
	@mkdir -p $(TOOLS_DIR)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; cd "$$tmp"; \
	echo "fetching Debian's $(1) package into $(TOOLS_DIR)"; \
	if ! apt-get download $(1) >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq; else sudo apt-get update -qq; fi; \
	  apt-get download $(1) >/dev/null; \
	fi; \
	dpkg -x $(1)_*.deb pkg; mv pkg/usr/bin/$(2) "$(3)"; mv pkg/usr/bin/$(4) "$(5)"
endef

$(PROMETHEUS) $(PROMTOOL) &:
	$(call fetch_debian,prometheus,prometheus,$(PROMETHEUS),promtool,$(PROMTOOL))

$(ALERTMANAGER) $(AMTOOL) &:
	$(call fetch_debian,prometheus-alertmanager,prometheus-alertmanager,$(ALERTMANAGER),amtool,$(AMTOOL))

# Debian's Alertmanager reads its notification templates from a fixed
# path, not from the binary: without them no configuration loads. They are
# installed from the same package (as root, or with sudo).
$(ALERTMANAGER_TEMPLATES) &:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; cd "$$tmp"; \
	echo "installing Debian Alertmanager's templates into /usr/share/prometheus/alertmanager"; \
	apt-get download prometheus-alertmanager >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq; else sudo apt-get update -qq; fi; \
	  apt-get download prometheus-alertmanager >/dev/null; }; \
	dpkg -x prometheus-alertmanager_*.deb pkg; \
	sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	for f in $(ALERTMANAGER_TEMPLATES); do $$sudo install -D -m 644 pkg$$f $$f; done

clean:
	rm -rf bin bench.out
