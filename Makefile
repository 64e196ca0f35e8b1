# Switchboard: the two commands.
#   make run   installs what is missing, builds, and serves with data in ./data
#   make test  installs the test peers, checks formatting and lints, runs every test

RUN_PACKAGES  = build-essential pkg-config cmake libopus-dev asterisk-core-sounds-fr-wav asterisk-core-sounds-en-wav
TEST_PACKAGES = build-essential pkg-config cmake libopus-dev sip-tester baresip chromium postgresql-client asterisk-core-sounds-fr-wav asterisk-core-sounds-en-wav

export SWITCHBOARD_TEST_POSTGRES_URL ?= postgres://postgres:postgres@127.0.0.1:5432/postgres

.PHONY: run test build deps test-deps fmt clippy

run: deps
	cargo build --release --locked -p switchboard
	./target/release/switchboard --data-dir ./data serve

deps:
	@scripts/check-toolchain.sh
	@scripts/ensure-packages.sh $(RUN_PACKAGES)

test-deps:
	@scripts/check-toolchain.sh
	@scripts/ensure-packages.sh $(TEST_PACKAGES)
	@scripts/ensure-postgres.sh
	@scripts/clean-test-databases.sh
	@scripts/ensure-moto.sh
	@# Node may come from elsewhere than Debian (NodeSource bundles npm, and
	@# Debian's npm package conflicts with it): only install when missing.
	@command -v npm >/dev/null 2>&1 || scripts/ensure-packages.sh nodejs npm
	@cd crates/switchboard/tests/browser && npm ci --no-audit --no-fund --silent

test: test-deps
	cargo fmt --all -- --check
	cargo clippy --locked --workspace --all-targets -- -D warnings
	cargo test --locked --workspace

build:
	cargo build --release --locked -p switchboard

# The benchmark kit in ../shared/bench compares us with Kamailio/rtpengine.
BENCH_PACKAGES = sip-tester kamailio kamailio-sqlite-modules rtpengine-daemon sqlite3 gcc
.PHONY: bench-deps
bench-deps:
	@scripts/ensure-packages.sh $(BENCH_PACKAGES)
