# The two quick-start commands; each sets up the virtualenv Pulumi.yaml names (venv/) on first use.
VENV := venv
PYTHON := $(VENV)/bin/python
# uv installs the requirements in about a third of pip's time (docs/benchmarks.md). pip stays in the virtualenv:
# Pulumi.yaml's toolchain is pip, and the language host reads the installed packages through it.
UV := uv==0.13.9

# checkov is heavy and only measures: it lives in its own virtualenv, outside the test requirements.
CHECKOV_VENV := venv-checkov
CHECKOV := checkov>=3.3.30,<3.4

.PHONY: preview test lint e2e e2e-faults e2e-multicluster e2e-tools benchmark benchmark-switch checkov

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check "$(UV)"
	$(VENV)/bin/uv pip install --quiet --python $(VENV)/bin/python --compile-bytecode -r requirements.txt
	touch $@

preview: $(VENV)/.installed
	$(PYTHON) -m tools.render --out build/preview

# Set-up first: Istio's reference data (../shared/upstream, $$ISTIO_UPSTREAM, or fetched once through Go) and the
# Mermaid renderer the diagram test uses (installed once into ~/.cache/istio-demo/mermaid).
test: $(VENV)/.installed
	upstream=$$($(PYTHON) -m tools.upstream) && $(PYTHON) -m tools.mermaid && ISTIO_UPSTREAM=$$upstream $(PYTHON) -m pytest -n auto

# ruff (lint and format) and mypy (strict), as pyproject.toml configures them, outside the unit suite (CI runs both),
# with mypy's cache outside the clone (a cold run reads pulumi_gcp's large typed package once, about 50 s).
MYPY_CACHE := $(HOME)/.cache/istio-demo/mypy
lint: $(VENV)/.installed
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m mypy --cache-dir $(MYPY_CACHE)

# The end-to-end run's tools, built from the Go module proxy into ~/.cache/istio-demo/e2e (cold: 30 to 55 min).
e2e-tools: $(VENV)/.installed
	$(PYTHON) -m e2e.toolchain

# The real Pulumi engine against a local control plane: up, every scenario switch, refresh, destroy.
e2e: e2e-tools
	$(PYTHON) -m e2e

# Faults injected into real `up`s of the kind stack through the CLI (docs/troubleshooting.md): interrupted `up`s,
# drift by hand, istiod down, two `up`s at once, a release never ready, a quota, a namespace stuck in Terminating,
# the API server restarted, the cluster gone. CI runs it after `make e2e`.
e2e-faults: e2e-tools
	$(PYTHON) -m e2e.faults

# clusters=2 under the real engine against two local control planes, each with its own local istiod (about 5 min).
e2e-multicluster: e2e-tools
	$(PYTHON) -m e2e.multicluster

benchmark: $(VENV)/.installed
	$(PYTHON) benchmarks/render_vs_import.py

# Every scenario switch under the real engine against a no-op up and against kubectl, and two through the CLI and the
# language host (needs the e2e tools); writes build/benchmarks/switch.json.
benchmark-switch: e2e-tools
	$(PYTHON) -m benchmarks.scenario_switch

$(CHECKOV_VENV)/.installed:
	python3 -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check "$(CHECKOV)"
	touch $@

# Failed checkov checks on our Bookinfo objects against upstream's bookinfo.yaml (numbers in docs/security.md).
checkov: $(VENV)/.installed $(CHECKOV_VENV)/.installed
	$(PYTHON) -m tools.checkov_report --checkov $(CHECKOV_VENV)/bin/checkov
