# activation-layer: the entry points a newcomer types.
#   make demo   build the CLI and run it on the bundled demo facts
#   make test   every test (installs what it needs on a fresh Debian machine)
# Every target installs its own prerequisites and is idempotent.

SHELL := /bin/bash
CARGO ?= cargo
DEMO_OUT ?= target/demo

.PHONY: demo test setup-native build lint clean

# Native prerequisites: a C compiler for zstd (clang also serves the wasm32
# build). Debian's packages only; skipped when already there.
setup-native:
	@command -v clang >/dev/null 2>&1 && command -v cc >/dev/null 2>&1 || { \
	  echo "installing clang (zstd is C code)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq clang lld >/dev/null; }

build: setup-native
	$(CARGO) build --release --locked

demo: build
	./target/release/activation run examples/demo_events.csv --grain week --out $(DEMO_OUT) --format csv
	@echo
	@echo "Weekly summary ($(DEMO_OUT)/demo_events_activation_weekly_summary.csv):"
	@column -s, -t < $(DEMO_OUT)/demo_events_activation_weekly_summary.csv 2>/dev/null || cat $(DEMO_OUT)/demo_events_activation_weekly_summary.csv

test: setup-native
	$(CARGO) test --locked

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

clean:
	$(CARGO) clean
	rm -rf pkg dist
