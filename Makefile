# pdserve.cluster developer entry points. The README's two commands:
#   make deploy   set up, start the local sandbox cluster, deploy the PD hybrid stack, show status
#   make test     set up, then unit tests, lint, ansible-test sanity and molecule on the sandbox
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VENV ?= .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
SANDBOX := tools/sandbox/sandbox

.PHONY: setup venv venv-motor ansible-test-seed link system-packages sandbox-build sandbox-up sandbox-down deploy test \
        test-unit lint sanity molecule bench clean

setup: venv venv-motor link system-packages ansible-test-seed sandbox-build

# Python packages, pinned in requirements.txt. Re-installs only when that file changes.
venv: $(VENV)/.installed
$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

# The real MindIE-PyMotor runtime (a test oracle, kept apart from the collection's own packages).
venv-motor: .venv-motor/.installed
.venv-motor/.installed: requirements-motor.txt
	test -x .venv-motor/bin/python || python3 -m venv .venv-motor
	.venv-motor/bin/python -m pip install -q --disable-pip-version-check -r requirements-motor.txt
	touch $@

# ansible-test downloads its pip bootstrap from a host this machine cannot reach: seed its cache.
ansible-test-seed: venv
	tools/seed-ansible-test $(PY)

# The checkout is the collection: link it where ansible.cfg and pytest.ini look for pdserve.cluster.
link:
	mkdir -p .collections/ansible_collections/pdserve
	ln -sfn ../../.. .collections/ansible_collections/pdserve/cluster

# Debian packages the tests need (debootstrap for node_prepare's test roots).
system-packages:
	tools/install-system-packages

sandbox-build:
	$(SANDBOX) build

sandbox-up: setup
	$(SANDBOX) up

sandbox-down:
	$(SANDBOX) down

# The hybrid stack on the sandbox's real node: its pods run the real MindIE-PyMotor programs.
DEPLOY_ARGS := -i inventories/sandbox -e @inventories/sandbox_real_node.yml
deploy: sandbox-up
	eval "$$($(SANDBOX) env)" && ansible-playbook $(DEPLOY_ARGS) playbooks/pd_hybrid.yml
	eval "$$($(SANDBOX) env)" && ansible-playbook $(DEPLOY_ARGS) playbooks/status.yml

test: setup
	tools/run-tests

test-unit: venv link
	tools/run-tests unit

lint: venv link
	tools/run-tests lint

sanity: venv link
	tools/run-tests sanity

molecule: setup
	tools/run-tests molecule

bench: setup
	tools/run-benchmarks

clean:
	rm -rf tests/output .collections
