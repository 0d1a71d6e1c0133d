# Benchmarks: `make bench` runs the Deploy and Destroy workflows on the
# simulated AWS under several latency profiles, compares them with their
# critical paths, prints the report and regenerates BENCHMARKS.md; then
# the local engine's Go benchmarks, and the chaos run on 200 seeds
# (TestChaos; make test runs 12). BENCH_RUNS sets how many Tier 3 runs
# the wall time is the median of.
BENCH_RUNS ?= 7

bench:
	$(GO) run ./cmd/bench -runs $(BENCH_RUNS) -out BENCHMARKS.md
	$(GO) test -run '^$$' -bench . -benchtime 5x ./internal/bench
	GEUSEMAKER_CHAOS_SEEDS=200 $(GO) test -count=1 -run '^TestChaos$$' ./internal/localrun
