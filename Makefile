# activation-layer: the entry points a newcomer types.
#   make demo   build the CLI and run it on the bundled demo facts
#   make test   every test (installs what it needs on a fresh Debian machine)
#   make test-long  the same with ten times the random cases (before a release)
#   make pkg    the npm package in pkg/ (npm pack ./pkg gives the tarball)
#   make lint   formatting, clippy, the JS type check (part of make test)
#   make fuzz   coverage-guided fuzzing of the readers, FUZZ_SECONDS per target
#   make install  the CLI, its shell completions and man page under PREFIX
#   make test-dbt the dbt package's parity with the CLI on DuckDB and Spark (part of make test)
#   make test-datapackage  the Frictionless validator on the CLI's data packages (part of make test)
# Every target installs its own prerequisites and is idempotent.

SHELL := /bin/bash
CARGO ?= cargo
# Must equal the wasm-bindgen crate version pinned in Cargo.toml.
WASM_BINDGEN_VERSION := 0.2.130
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo site test test-long test-dbt test-datapackage pkg fuzz install setup-native setup-wasm setup-node setup-browser setup-python build lint same-outputs clean

# Native prerequisites: a C compiler for zstd (clang also serves the wasm32
# build). Debian's packages only; skipped when already there.
setup-native:
	@command -v clang >/dev/null 2>&1 && command -v cc >/dev/null 2>&1 || { \
	  echo "installing clang (zstd is C code)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq clang lld >/dev/null; }

# The wasm32 target and the wasm-bindgen CLI of the pinned version.
setup-wasm: setup-native
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)" || \
	  $(CARGO) install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)

# JS tooling (binaryen's wasm-opt, apache-arrow, playwright-core), from package-lock.json.
setup-node:
	@[ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund

# Debian's Chromium for the browser tests (Playwright cannot download browsers here).
setup-browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# dbt, its DuckDB and Spark adapters and pyspark (dbt/requirements.txt) and
# the Frictionless validator (tests/datapackage/requirements.txt), exact
# pins, in a project-local virtual environment, reinstalled only when the
# pins change; Java for Spark and Python's venv module from Debian when missing.
VENV := .venv
PYTHON_REQUIREMENTS := dbt/requirements.txt tests/datapackage/requirements.txt
setup-python:
	@command -v java >/dev/null 2>&1 && python3 -c 'import ensurepip' 2>/dev/null || { \
	  echo "installing Java 17 (Spark) and python3-venv"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq openjdk-17-jre-headless python3-venv >/dev/null; }
	@(for r in $(PYTHON_REQUIREMENTS); do [ $(VENV)/.installed -nt $$r ] || exit 1; done) || { \
	  python3 -m venv $(VENV) && $(VENV)/bin/pip install --quiet $(addprefix -r ,$(PYTHON_REQUIREMENTS)) && touch $(VENV)/.installed; }

# The dbt package (dbt/) against the CLI, row by row, on DuckDB and on a local
# Spark session (tests/dbt/parity.py; one process, so Spark's JVM starts once).
test-dbt: build setup-python
	$(VENV)/bin/python tests/dbt/parity.py --cli target/release/activation

# The data package of every kind of run directory (CSV and Parquet, every
# grain, a split, a partition, an incremental run and its merged history)
# and the dictionary's Table Schemas, checked by the Frictionless validator
# (tests/datapackage/validate.py), with the release CLI that make test
# builds anyway (a debug build of the binary alone would compile every
# dependency again with other features than cargo test's).
test-datapackage: build setup-python
	$(VENV)/bin/python tests/datapackage/validate.py --cli target/release/activation

pkg: setup-wasm setup-node
	python3 scripts/build_pkg.py

build: setup-native
	$(CARGO) build --release --locked

# The static dashboard (index.html + www/) bundled by Vite into dist/, with
# demo facts made by the project's own generator (not committed): an event
# column and a users table (plan, country) to break the demo down by.
SITE_DEMO := www/public/demo/demo_events.parquet
DEMO_PORT ?= 8000

site: build pkg
	@mkdir -p $(dir $(SITE_DEMO))
	./target/release/activation generate --events 400000 --users 40000 --days 210 --seed 42 --event-kinds 6 \
	  --out $(SITE_DEMO) --users-out $(dir $(SITE_DEMO))demo_users.parquet
	npx vite build --logLevel warn
	@echo "site built in dist/ (any static file server, any sub-path)"

demo: site
	@echo
	@echo "Dashboard: http://127.0.0.1:$(DEMO_PORT)/  (click 'Try the demo'; Ctrl-C stops the server)"
	@echo
	cd dist && python3 -m http.server $(DEMO_PORT) --bind 127.0.0.1

test: lint pkg site setup-browser setup-bench
	$(CARGO) test --locked
	$(MAKE) --no-print-directory test-datapackage
	# The WASM façade in Node; same features and profile as make pkg, so the
	# dependencies built for the package are reused.
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner CC_wasm32_unknown_unknown=clang \
	  $(CARGO) test --locked --target wasm32-unknown-unknown --no-default-features --features wasm,zstd --profile wasm --test wasm
	node --test --test-concurrency=1 tests/js/
	# The e2e's Download all zips go through the Frictionless validator in .venv (made above).
	ACTIVATION_REQUIRE_FRICTIONLESS=1 node --test --test-concurrency=1 tests/e2e/
	$(MAKE) --no-print-directory test-dbt

# Before a release: every test, the property tests with ten times their
# random cases (tests/common/prop.rs); ACTIVATION_TEST_SEED=N draws other
# cases than the usual ones.
test-long:
	ACTIVATION_TEST_SCALE=10 $(MAKE) test

# The CLI with its completions (bash, zsh, fish) and man pages, generated
# from the same argument definitions, under PREFIX (and DESTDIR for
# packagers): PREFIX=~/.local needs no root, the default /usr/local does.
PREFIX ?= /usr/local
INSTALL_TO = $(DESTDIR)$(PREFIX)
install: build
	install -Dm755 target/release/activation $(INSTALL_TO)/bin/activation
	install -d $(INSTALL_TO)/share/bash-completion/completions $(INSTALL_TO)/share/zsh/site-functions \
	  $(INSTALL_TO)/share/fish/vendor_completions.d $(INSTALL_TO)/share/man/man1
	target/release/activation completions bash > $(INSTALL_TO)/share/bash-completion/completions/activation
	target/release/activation completions zsh > $(INSTALL_TO)/share/zsh/site-functions/_activation
	target/release/activation completions fish > $(INSTALL_TO)/share/fish/vendor_completions.d/activation.fish
	target/release/activation man --out $(INSTALL_TO)/share/man/man1 >/dev/null

# Coverage-guided fuzzing of the fact and snapshot readers, FUZZ_SECONDS
# per target (default 60); findings become regression cases that cargo test
# replays (scripts/fuzz.sh). Not part of make test: it runs until its time.
fuzz: setup-native
	scripts/fuzz.sh

# The habits the code keeps, enforced: formatting, clippy with warnings as
# errors (missing_docs is denied in the library), and the JS type check.
lint: setup-native setup-node
	@rustup component list --installed | grep -q '^clippy' || rustup component add clippy rustfmt
	$(CARGO) fmt --check
	$(CARGO) clippy --locked --all-targets -- -D warnings
	npm run --silent typecheck

# Every output of the CLI byte-identical to those of another revision
# (scripts/same_outputs.sh), e.g. make same-outputs BASE=v0.1.0.
BASE ?= HEAD
same-outputs: setup-native
	scripts/same_outputs.sh $(BASE)

clean:
	$(CARGO) clean
	rm -rf pkg dist

# Benchmarks (BENCHMARKS.md): the WASM engine against DuckDB-WASM (1.28.0
# for Parquet, the current release for CSV, both from bench/package-lock.json),
# the native engine (cargo bench --bench engine) and native DuckDB (Python).
# BENCH_ARGS passes options to bench/run.mjs, e.g. BENCH_ARGS="--scales 1m --grains week".
.PHONY: bench setup-bench
BENCH_ARGS ?=

setup-bench:
	@[ bench/node_modules/.package-lock.json -nt bench/package-lock.json ] || (cd bench && npm ci --no-audit --no-fund)

bench: pkg build setup-bench setup-python
	@python3 -c 'import duckdb' 2>/dev/null || python3 -m pip install --quiet duckdb || python3 -m pip install --quiet --break-system-packages duckdb
	node bench/run.mjs $(BENCH_ARGS)
