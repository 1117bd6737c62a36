# The two quick-start commands; each sets up the virtualenv Pulumi.yaml names (venv/) on first use.
VENV := venv
PYTHON := $(VENV)/bin/python

.PHONY: preview test benchmark

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
