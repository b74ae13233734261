# The README's commands. Everything a fresh Debian machine lacks is installed
# by scripts/install-deps.sh; services for tests run from scripts/services/.
BUILD ?= build
PREFIX ?= /usr/local
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 600
FUZZ ?=

.PHONY: all deps build run test docs bench bench-quick fuzz sim install uninstall deb clean

all: build

deps:
	@scripts/install-deps.sh test

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DW3W_TESTS=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Starts w3wallet-server on the embedded default (SQLite file, no services). Installs only what
# building and running it needs (no test servers or tools), and touches no service of the machine.
run:
	@scripts/install-deps.sh run
	@echo "make run: building the library and w3wallet-server in $(BUILD)"
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DW3W_TESTS=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@scripts/run.sh $(BUILD)

# Starts PostgreSQL, Redis and Kafka on loopback side ports, runs every test, stops them.
# (PostgreSQL runs without fsync for tests; make bench keeps it on, as production would.)
test: build
	@W3W_PG_FSYNC=off scripts/services/with-services.sh scripts/test-all.sh $(BUILD)

# The API reference from the header comments (doxygen): $(BUILD)/docs/html/index.html.
docs:
	@command -v doxygen >/dev/null || scripts/install-deps.sh test
	@mkdir -p $(BUILD)/docs
	@(cat docs/Doxyfile; echo "OUTPUT_DIRECTORY=$(abspath $(BUILD))/docs") | doxygen -
	@echo "API reference: $(BUILD)/docs/html/index.html"

# Benchmarks against the raw engines, in the same run; figures land in bench/results/.
bench: build
	@scripts/services/with-services.sh bench/run.sh $(BUILD)

# The same parts and plots at small sizes (1-2 s per point, fewer levels and rates): a few minutes, figures noisier.
bench-quick: build
	@W3W_BENCH_SECONDS=1 W3W_BENCH_LEVELS="1 32" W3W_BENCH_READ_LEVELS=8 W3W_BENCH_DURATION=2 \
	  W3W_BENCH_CONNECTIONS="100 1000" W3W_BENCH_RATES="500 1000 2000 5000" W3W_BENCH_OPEN_SECONDS=2 \
	  W3W_BENCH_OPEN_CONNECTIONS=1000 W3W_BENCH_BATCH_CLAIMS=2000 scripts/services/with-services.sh bench/run.sh $(BUILD)

# libFuzzer harnesses (tests/fuzz), FUZZ_SECONDS each, one after another (FUZZ=name for one);
# new finds are merged into tests/fuzz/corpus/, figures land in build-fuzz/fuzz-results.tsv.
fuzz: deps
	@nice -n 19 tests/fuzz/run.sh fuzz $(FUZZ_SECONDS) $(FUZZ)

# The fault simulator's long mode (docs/testing.md, "Simulator"): random seeds for SIM_DURATION,
# each printed with its result; a failure prints the command that reproduces it. SQLite by
# default; SIM_STORAGE=postgres runs PostgreSQL + Redis on side services started for it.
SIM_DURATION ?= 10m
SIM_STORAGE ?= sqlite
SIM_ARGS ?=
sim: build
ifeq ($(SIM_STORAGE),postgres)
	@W3W_SERVICES="pg redis" W3W_PG_FSYNC=off scripts/services/with-services.sh nice $(BUILD)/tests/sim/sim \
		--storage postgres --cache redis --duration $(SIM_DURATION) -q $(SIM_ARGS)
else
	@nice $(BUILD)/tests/sim/sim --storage sqlite --cache memory --duration $(SIM_DURATION) -q $(SIM_ARGS)
endif

install: build
	@cmake --install $(BUILD) --prefix $(PREFIX)

# Removes what the last `make install` wrote (cmake's install_manifest.txt), then empty directories it left.
uninstall:
	@test -f $(BUILD)/install_manifest.txt || { echo "uninstall: nothing installed from $(BUILD)"; exit 1; }
	@xargs -d '\n' rm -fv < $(BUILD)/install_manifest.txt
	@xargs -d '\n' -n1 dirname < $(BUILD)/install_manifest.txt | sort -ru | xargs -d '\n' rmdir -p --ignore-fail-on-non-empty 2>/dev/null || true

# Debian packages libw3wallet0, libw3wallet-dev, w3wallet-server (debian/, dpkg-buildpackage -us -uc -b
# in a temp copy of the tree); the .deb files land in $(BUILD)/deb/.
deb:
	@scripts/install-deps.sh deb
	@scripts/deb.sh $(BUILD)/deb

clean:
	rm -rf $(BUILD) build-asan build-valgrind
