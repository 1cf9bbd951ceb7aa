# netns-lab — `make up` brings up a lab, `make test` runs the tests. `make help` lists everything.
SHELL := /bin/bash
LAB ?= curo
SIZES ?= 2,10,50
SCALE_SIZES ?= small,medium,large
REPS ?= 3
PULUMI := bin/pulumi
JEST := node node_modules/.bin/jest

comma := ,
empty :=
space := $(empty) $(empty)

.PHONY: help deps system-deps npm engine netlab build up preview down test test-unit test-integration test-e2e test-rootless test-reliability test-programs test-netlab test-containerlab test-conformance ui bench bench-scale bench-program bench-split bench-fixed bench-netlab docs pack sim-machines sim-machines-down clean

help: ## this list
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-18s %s\n", $$1, $$2}'
	@echo "  variables: LAB=curo|curo-nat|chain|ospf|fabric|split|clab|netlab (stack to use, default curo); FILE=x.clab.yml (LAB=clab: the containerlab file, default examples/clab/frr-ospf; VARS=a.yml,b.yml its vars files, default those beside it; LAB=netlab: the netlab topology, default examples/netlab/ospf-triangle.yml); NETNS_LAB_FAST=1 (fast mode, see README)"

system-deps: ## install iproute2, ethtool, iputils-ping, util-linux, procps, libcap2-bin, nftables, tcpdump, bird2, frr, openssh, uidmap, patch (the engine's build), python3-venv (netlab's), chromium (netns-lab ui's browser tests) when missing (apt-get, as root; services not started)
	@missing=""; \
	for pair in ip:iproute2 ethtool:ethtool ping:iputils-ping nsenter:util-linux unshare:util-linux ipcmk:util-linux ps:procps capsh:libcap2-bin nft:nftables tcpdump:tcpdump bird:bird2 ssh:openssh-client /usr/sbin/sshd:openssh-server newuidmap:uidmap /usr/lib/frr/zebra:frr patch:patch /usr/bin/chromium:chromium; do \
	  command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; \
	done; \
	python3 -c 'import venv, ensurepip' 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  norc=""; [ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; norc=1; }; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null); ok=$$?; \
	  [ -z "$$norc" ] || rm -f /usr/sbin/policy-rc.d; [ $$ok = 0 ] \
	    || { echo "could not install$$missing: install them yourself (as root)"; exit 1; }; \
	fi

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The state's provider line loads netns-lab by package name (provider/shim.ts): the checkout's own
# stacks and tests find it through this relative link, which survives moving the checkout.
node_modules/netns-lab: node_modules/.stamp
	ln -sfn .. $@

npm: node_modules/.stamp node_modules/netns-lab ## install npm packages (npm ci) and link the checkout as node_modules/netns-lab

engine: npm ## build the Pulumi engine (CLI + Node.js language host) and clab-render (containerlab's templates) from Go modules; cached
	@engine/build.sh >/dev/null
	@clab-render/build.sh >/dev/null

netlab: system-deps ## install netlab (PyPI networklab, pinned) into a virtual environment of its own; cached beside the engine
	@netlab/install.sh >/dev/null

build: npm ## type-check everything and compile the library to dist/ (anew: no stale modules)
	node node_modules/.bin/tsc -p tsconfig.json --noEmit
	@# Compiled aside and swapped in, so a lab running meanwhile never sees a dist/ half gone.
	rm -rf dist.new && node node_modules/.bin/tsc -p tsconfig.build.json --outDir dist.new
	rm -rf dist.old && { [ ! -d dist ] || mv dist dist.old; } && mv dist.new dist && rm -rf dist.old

deps: system-deps npm engine netlab build

up: deps ## bring up the lab LAB (default curo; LAB=clab FILE=x.clab.yml [VARS=v.yml,w.yml]: a containerlab file and its template's vars files; LAB=netlab FILE=x.yml: a netlab topology), verify every pair (fabric: 100 at random; waiting up to 60 s for routing to converge; netlab: the topology's own validate tests instead), then a ping
	@$(PULUMI) stack select --create $(LAB) >/dev/null
	$(if $(FILE),$(PULUMI) config set netns-lab:file $(abspath $(FILE)) --stack $(LAB),)
	$(if $(VARS),$(PULUMI) config set netns-lab:vars $(subst $(space),$(comma),$(abspath $(subst $(comma),$(space),$(VARS)))) --stack $(LAB),)
	$(PULUMI) up --yes --skip-preview --stack $(LAB)
	$(if $(filter netlab,$(LAB)),bin/netns-lab validate --stack $(LAB),bin/netns-lab verify --stack $(LAB) --wait 60 $(if $(filter fabric,$(LAB)),--sample 100,))
	@from=$$($(PULUMI) stack output pingFrom --stack $(LAB)); to=$$($(PULUMI) stack output pingTo --stack $(LAB)); \
	echo "+ bin/netns-lab exec $$from -- ping -c 3 -W 1 $$to"; bin/netns-lab exec $$from --stack $(LAB) -- ping -c 3 -W 1 $$to

preview: deps ## show what `make up` would change
	@$(PULUMI) stack select --create $(LAB) >/dev/null
	$(PULUMI) preview --diff --stack $(LAB)

ui: deps ## the lab LAB live in a browser (netns-lab ui; EXEC=1: with a terminal and captures): prints a URL with a token; Ctrl-C stops it
	bin/netns-lab ui --stack $(LAB)$(if $(EXEC), --exec,)

down: deps ## destroy the lab LAB; leaves no namespace or veth behind
	$(PULUMI) destroy --yes --skip-preview --stack $(LAB)

# Runs jest, then prints the closing "N passed, N failed" line that CI reads (see test/support).
define run-jest
	@rm -f test/.summary; rc=0; $(2) $(JEST) --runInBand $(1) || rc=$$?; \
	if [ -f test/.summary ]; then echo; cat test/.summary; else echo; echo "0 passed, 1 failed"; fi; exit $$rc
endef

test: deps ## all tests: unit, integration (real kernel), end-to-end (real engine), samples of reliability and conformance; needs root
	$(call run-jest,)

test-unit: npm ## unit tests only: no root, no engine, no build (schemas, diffs, components under mocks, CLI text)
	$(call run-jest,test/unit)

test-integration: deps ## provider methods against real namespaces
	$(call run-jest,test/integration)

test-e2e: deps ## pulumi up/preview/refresh/destroy through the Automation API
	$(call run-jest,test/e2e)

test-rootless: deps ## labs without root: a user made for the run (no capability) builds a copy and runs labs in its sandbox (make test runs all but the killed holder and the nodes with filesystems of their own)
	$(call run-jest,test/e2e/rootless.test.ts,NETNS_LAB_FULL=1)

test-reliability: deps ## all of the reliability suites: 20 faults, 59 bad inputs, 15 drifts, ownership, concurrency, privilege
	$(call run-jest,test/reliability,NETNS_LAB_FULL=1)

test-programs: deps ## the corpus of user-style programs (test/programs): every parallelism, the 20-router chain at 1 too
	$(call run-jest,test/e2e/programs.test.ts,NETNS_LAB_FULL=1)

test-netlab: deps ## netlab topologies and nodes with filesystems of their own: all of their suites, a netlab lab as a user who is not root among them (make test runs netlab.test.ts and the sandbox's nodes)
	$(call run-jest,test/e2e/netlab.test.ts test/e2e/rootless-netlab.test.ts test/e2e/nodefs.test.ts test/integration/nodefs.test.ts,NETNS_LAB_FULL=1)

test-containerlab: deps ## containerlab files and netns-lab ui: every suite (make test runs a sample; only here: binds, the bridge example, templates, the management network, the apply-style walk, stages, macvlan, mgmtHost, network-mode container:, the UI's FRR neighbours)
	$(call run-jest,test/e2e/containerlab.test.ts test/e2e/ui.test.ts,NETNS_LAB_FULL=1)

test-conformance: deps ## every row of the conformance table: programs and CLI commands behave as with stock Pulumi
	$(call run-jest,test/conformance,NETNS_LAB_FULL=1)

clean: ## remove build output (not the engine cache, not lab state)
	rm -rf dist

bench: deps ## benchmark the chain lab: raw iproute2 vs Mininet vs netns-lab (SIZES=2,10,50 REPS=3)
	@command -v mn >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mininet >/dev/null)
	node bench/bench.js --sizes $(SIZES) --reps $(REPS)

bench-program: build ## the program side alone: the fabric lab declared under Pulumi's mocks, no engine or kernel (SCALE_SIZES=small,medium,large; bench/README, issue 32)
	node bench/program.js --sizes $(SCALE_SIZES)

sim-machines: deps ## two simulated machines on this kernel, m1 10.250.0.1 and m2 10.250.0.2, with sshd (root, key .sim/id_ed25519)
	sim/machines.sh up

sim-machines-down: ## remove the simulated machines and everything they held
	sim/machines.sh down

bench-split: deps ## the chain lab on this machine vs split over the simulated machines (make sim-machines first; ROUTERS=10)
	node bench/split.js --routers $(or $(ROUTERS),10)

docs: npm ## the API reference from the types (TypeDoc) in docs/api/: every exported kind, component and option; fails on any warning
	node node_modules/.bin/typedoc

pack: build ## the npm package: netns-lab-<version>.tgz here (npm install ./netns-lab-*.tgz in a project; README: "As a package")
	npm pack --loglevel=error

bench-fixed: deps ## the fixed cost: a no-change up of a 3-node lab against an empty TypeScript program and against the floor of any dynamic provider (no-op dynamic resources), and the engine knobs tried (REPS=3)
	node bench/fixed.js --reps $(REPS)

bench-netlab: deps ## a netlab topology of netlab's published benchmark's shape (300 Linux hosts, 6 FRR routers, OSPF): netlab create, our up, validate, destroy; and the 3-router example (HOSTS=300)
	node bench/netlab.js --hosts $(or $(HOSTS),300)

bench-scale: deps ## the fabric lab at ~100, 300 and 1,000 namespaces in fast mode (SCALE_SIZES=small,medium,large; ~10 min)
	node bench/scale.js --sizes $(SCALE_SIZES)
