# GeuseMaker. `make run` deploys Tier 3 locally on the simulated AWS;
# `make test` runs vet, staticcheck, every test, the ASL checks and the
# coverage gate.
SHELL := /bin/bash
GO ?= go
COVERAGE_MIN ?= 80
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_VERSION_CHECK := true

.PHONY: run test vet lint cover node bench fmt

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

node: node_modules/.package-lock.json

# The first build compiles the AWS SDK and the engine: say so, as it takes
# a minute or more on a small machine and prints nothing.
run:
	@test -x build/geusemaker || echo "Building geusemaker (the first build compiles the AWS SDK: a minute or more)..."
	@$(GO) build -o build/geusemaker ./cmd/geusemaker
	build/geusemaker run $(ARGS)

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change: $$out"; exit 1; fi

# staticcheck's default checks (its version is go.mod's tool line); a
# finding that must stay says why in a //lint:ignore beside it.
lint:
	$(GO) tool staticcheck ./...

test: node vet lint
	$(GO) test -p 2 -timeout 30m -coverprofile=coverage.out ./...
	@total=$$($(GO) tool cover -func=coverage.out | awk '/^total:/ {sub("%","",$$3); print $$3}'); \
	echo "total coverage of geusemaker's packages: $$total% (minimum $(COVERAGE_MIN)%)"; \
	awk -v t="$$total" -v m="$(COVERAGE_MIN)" 'BEGIN { exit (t+0 < m+0) }' || { echo "coverage below $(COVERAGE_MIN)%"; exit 1; }

fmt:
	gofmt -w $$(git ls-files '*.go')

-include make/*.mk
