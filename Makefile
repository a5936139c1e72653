# statusbridge — a few honest targets. `make help` lists them.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# Empty outside a git checkout: build_info then reports empty labels.
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null)
BRANCH   ?= $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.revision=$(REVISION) -X main.branch=$(BRANCH)
# A count, not a duration: a duration-bound run can fail with "context
# deadline exceeded" and no crasher (go.dev/issue/75804, fixed in Go 1.27).
FUZZTIME ?= 3000x
MODEL_CHECKS ?= 2000
STATICCHECK_VERSION ?= v0.8.2
GOCYCLO_VERSION ?= v0.6.0
PKGS     := ./...

.PHONY: help run build test fuzz vet lint fmt-check tidy-check validate-examples bench lint-deploy compose-up e2e bench-load contract cyclo

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

run: ## build and start the demo: daemon + in-process Cachet emulator on :5000 (cmd/statusbridge-demo)
	$(GO) run ./cmd/statusbridge-demo

build: ## static production binary in bin/, built as the container image builds it (no emulator: the demo is cmd/statusbridge-demo)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/statusbridge ./cmd/statusbridge

test: fmt-check tidy-check vet lint validate-examples ## the whole suite: checks, every test with -race, the model test on many seeds, each fuzz target briefly
	$(GO) test -race -shuffle=on -count=1 $(PKGS)
	$(GO) test -count=1 -run '^TestModel$$' ./internal/bridge -rapid.checks=$(MODEL_CHECKS)
	$(MAKE) --no-print-directory fuzz

fuzz: ## run each fuzz target briefly (FUZZTIME executions per target)
	@set -e; for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

vet: ## go vet
	$(GO) vet $(PKGS)

lint: cyclo ## staticcheck (e2e files included) and gocyclo, pinned
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) -tags e2e $(PKGS)

cyclo: ## fail if a production function is above cyclomatic complexity 15
	$(GO) run github.com/fzipp/gocyclo/cmd/gocyclo@$(GOCYCLO_VERSION) -over 15 -ignore '_test\.go|cachettest|statusbench|cachet-emulator' .

fmt-check: ## fail if gofmt would change a file
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

tidy-check: ## fail if go.mod/go.sum are not tidy
	$(GO) mod tidy
	git diff --exit-code go.mod go.sum

validate-examples: ## the shipped example configs must pass validate
	$(GO) run ./cmd/statusbridge validate --config.file config.json.example --targets prometheus.yml.example

bench: ## Go benchmarks of the hot paths
	$(GO) test -run '^$$' -bench . -benchmem ./...

bench-load: ## load benchmark: real emulator + statusbridge processes, scenarios a and b (see BENCHMARKS.md)
	$(GO) run ./cmd/statusbench -scenarios a,b

contract: ## the Cachet client's contract checks: on the emulator (HEAD, BASE) and, with CACHET_API_URL and CACHET_API_TOKEN set, on that live Cachet (objects named sbcontract-*, deleted afterwards)
	@if [ -z "$$CACHET_API_URL" ] || [ -z "$$CACHET_API_TOKEN" ]; then \
		echo "contract: CACHET_API_URL and CACHET_API_TOKEN are not both set: the live Cachet is skipped, the emulator runs"; \
	else \
		echo "contract: live Cachet at $$CACHET_API_URL (writes and deletes sbcontract-* objects)"; \
	fi
	$(GO) test -v -count=1 -run '^TestContract$$' ./internal/cachet/contract/ -contract.live

e2e: ## end-to-end tests against a real Alertmanager (builds it once into ~/.cache/statusbridge/bin)
	$(GO) test -v -tags e2e -count=1 -timeout 10m ./e2e/...

lint-deploy: ## shellcheck the deploy scripts
	shellcheck deploy/*.sh deploy/*/*.sh

.PHONY: mixin systemd-verify

# promtool for `make mixin`, built from the Go module proxy without the
# service-discovery plugins (rules need none; it more than halves the cold
# build: 5.6 instead of 13 minutes measured on a shared 2-core machine) and
# kept in TOOLS_BIN, where `make e2e` keeps its Alertmanager.
PROMTOOL_VERSION ?= v0.316.0
TOOLS_BIN ?= $(HOME)/.cache/statusbridge/bin
PROMTOOL := $(TOOLS_BIN)/promtool
# The highest `systemd-analyze security` exposure (in tenths) the unit may
# reach; it is at 1.2.
SYSTEMD_EXPOSURE ?= 20

mixin: ## check alerting rules and dashboard
	@if ! $(GO) version -m $(PROMTOOL) 2>/dev/null | grep -Eq '^\s+mod\s+github.com/prometheus/prometheus\s+$(PROMTOOL_VERSION)\s'; then \
		echo "mixin: building promtool $(PROMTOOL_VERSION) into $(TOOLS_BIN) (minutes, once)"; \
		GOBIN=$(TOOLS_BIN) GOFLAGS= $(GO) install -tags remove_all_sd github.com/prometheus/prometheus/cmd/promtool@$(PROMTOOL_VERSION); \
	fi
	$(PROMTOOL) check rules deploy/mixin/alerts.yml
	cd deploy/mixin && $(PROMTOOL) test rules tests.yml
	$(GO) test -count=1 -run '^(TestMetricNames|TestMixin)' ./deploy/

systemd-verify: build ## systemd-analyze verify and security on deploy/systemd/statusbridge.service
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	sed 's|/usr/local/bin/statusbridge|$(CURDIR)/bin/statusbridge|' deploy/systemd/statusbridge.service >"$$tmp/statusbridge.service"; \
	out=$$(systemd-analyze verify "$$tmp/statusbridge.service" 2>&1) || { echo "$$out"; exit 1; }; \
	if [ -n "$$out" ]; then echo "$$out"; echo "systemd-verify: systemd-analyze verify warned (above); fix the unit"; exit 1; fi; \
	sec=$$(systemd-analyze security --offline=true --threshold=$(SYSTEMD_EXPOSURE) "$$tmp/statusbridge.service" 2>&1) || { echo "$$sec"; exit 1; }; \
	echo "systemd-verify: unit verified; $$(echo "$$sec" | tail -n 1)"

compose-up: ## build, seed and start the production stack (deploy/deploy.sh; see README)
	bash deploy/deploy.sh
