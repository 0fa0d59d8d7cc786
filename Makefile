# activation-layer: the entry points a newcomer types.
#   make demo   build the CLI and run it on the bundled demo facts
#   make test   every test (installs what it needs on a fresh Debian machine)
#   make pkg    the npm package in pkg/ (npm pack ./pkg gives the tarball)
# Every target installs its own prerequisites and is idempotent.

SHELL := /bin/bash
CARGO ?= cargo
DEMO_OUT ?= target/demo
# Must equal the wasm-bindgen crate version pinned in Cargo.toml.
WASM_BINDGEN_VERSION := 0.2.130
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test pkg setup-native setup-wasm setup-node setup-browser build lint clean

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

pkg: setup-wasm setup-node
	python3 scripts/build_pkg.py

build: setup-native
	$(CARGO) build --release --locked

demo: build
	./target/release/activation run examples/demo_events.csv --grain week --out $(DEMO_OUT) --format csv
	@echo
	@echo "Weekly summary ($(DEMO_OUT)/demo_events_activation_weekly_summary.csv):"
	@column -s, -t < $(DEMO_OUT)/demo_events_activation_weekly_summary.csv 2>/dev/null || cat $(DEMO_OUT)/demo_events_activation_weekly_summary.csv

test: setup-native pkg setup-browser
	$(CARGO) test --locked
	node --test --test-concurrency=1 tests/js/

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

clean:
	$(CARGO) clean
	rm -rf pkg dist
