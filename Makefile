# The two quick-start commands; each sets up the virtualenv Pulumi.yaml names (venv/) on first use.
VENV := venv
PYTHON := $(VENV)/bin/python

# checkov is heavy and only measures: it lives in its own virtualenv, outside the test requirements.
CHECKOV_VENV := venv-checkov
CHECKOV := checkov>=3.3.30,<3.4

.PHONY: preview test benchmark checkov

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

preview: $(VENV)/.installed
	$(PYTHON) -m tools.render --out build/preview

test: $(VENV)/.installed
	$(PYTHON) -m pytest

benchmark: $(VENV)/.installed
	$(PYTHON) benchmarks/render_vs_import.py

$(CHECKOV_VENV)/.installed:
	python3 -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check "$(CHECKOV)"
	touch $@

# Failed checkov checks on our Bookinfo objects against upstream's bookinfo.yaml (numbers in README.md).
checkov: $(VENV)/.installed $(CHECKOV_VENV)/.installed
	$(PYTHON) -m tools.checkov_report --checkov $(CHECKOV_VENV)/bin/checkov
