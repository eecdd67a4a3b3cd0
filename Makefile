# Unimesh — build, generate, lint and test. Needs only Go: the code
# generators (buf and the protoc plugins) are built into .tools/ from the
# versions pinned in tools/go.mod. (Re-vendoring the third-party protos with
# `make vendor-protos` also needs npm.)

SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c

# Every Go module of the workspace, in dependency order.
MODULES := proto pkg services/connect services/crm services/ticketing services/hris \
           services/accounting services/ats services/events gateway cmd/unimesh bench

TOOLS_BIN := $(CURDIR)/.tools/bin
BUF := $(TOOLS_BIN)/buf
HELM := $(TOOLS_BIN)/helm
TOOLS := $(BUF) $(TOOLS_BIN)/protoc-gen-go $(TOOLS_BIN)/protoc-gen-go-grpc \
         $(TOOLS_BIN)/protoc-gen-grpc-gateway $(TOOLS_BIN)/protoc-gen-openapiv2

# go test flags, e.g. TESTFLAGS=-race.
TESTFLAGS ?=
# The store and end-to-end tests also run on PostgreSQL, each test in a
# schema of its own. Point this elsewhere, or set it empty to skip them.
UNIMESH_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
export UNIMESH_TEST_POSTGRES_URL
# Where `make run` keeps its data.
DATA_DIR ?= ./data

.PHONY: all run build tools vendor-protos generate check-generated lint breaking test test-go browser bench clean

all: lint test

## run: start Unimesh embedded (every service, SQLite, sandbox providers) on :8080.
run:
	go run ./cmd/unimesh dev --data-dir $(DATA_DIR)

## build: build the unimesh binary into bin/.
build:
	go build -o bin/unimesh ./cmd/unimesh

## tools: build buf (tools/buf), helm (tools/helm) and the protoc plugins (tools/go.mod) into .tools/bin.
tools: $(TOOLS) $(HELM)

$(HELM): tools/helm/go.mod tools/helm/go.sum
	cd tools/helm && GOWORK=off go build -o $(TOOLS_BIN)/ helm.sh/helm/v3/cmd/helm
	@touch $@

$(TOOLS) &: tools/go.mod tools/go.sum tools/buf/go.mod tools/buf/go.sum
	cd tools/buf && GOWORK=off go build -o $(TOOLS_BIN)/ github.com/bufbuild/buf/cmd/buf
	cd tools && GOWORK=off go build -o $(TOOLS_BIN)/ \
		google.golang.org/protobuf/cmd/protoc-gen-go \
		google.golang.org/grpc/cmd/protoc-gen-go-grpc \
		github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway \
		github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2
	@touch $(TOOLS)

## vendor-protos: fetch the third-party protos into proto/third_party (pinned, checksummed).
vendor-protos:
	tools/vendor-protos.sh

## generate: regenerate Go code and the OpenAPI document from proto/.
generate: tools
	find proto/unimesh -name '*.pb.go' -o -name '*.pb.gw.go' | xargs -r rm -f
	$(BUF) generate
	$(BUF) generate --template buf.gen.openapi.yaml
	go run ./pkg/cmd/gencategory -root .

## check-generated: fail when regenerating would change the committed code.
check-generated: tools
	BUF=$(BUF) tools/check-generated.sh

## lint: buf lint and format, gofmt, go vet.
lint: tools
	$(BUF) lint
	$(BUF) format --diff --exit-code --path proto/unimesh
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^tools/') 2>/dev/null || true); \
		if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	for m in $(MODULES); do (cd $$m && go vet ./...); done

## breaking: buf's FILE-level breaking-change check of proto/ against main (BREAKING_AGAINST to change).
BREAKING_AGAINST ?= .git\#branch=main
breaking: tools
	$(BUF) breaking --against '$(BREAKING_AGAINST)'

## test: check generated code, then run every module's tests (the chart's too).
test: check-generated test-go

test-go: $(HELM)
	$(HELM) lint deploy/k8s/unimesh --set secrets.existingSecret=x
	for m in $(MODULES); do (cd $$m && HELM=$(HELM) go test -count=1 $(TESTFLAGS) ./...); done

## browser: install Debian's Chromium for the browser test (which skips
## without it, unless UNIMESH_REQUIRE_BROWSER is set, as in CI). Nothing is
## downloaded from elsewhere: the test drives /usr/bin/chromium.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@chromium --version

## bench: the side-by-side load run recorded in BENCHMARKS.md.
bench:
	go run ./bench/cmd/loadgen

clean:
	rm -rf bin .tools
