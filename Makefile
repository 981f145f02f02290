# Annotator — one command to run the app, one to run the tests, both from a fresh clone.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Shared libraries Qt needs even offscreen; installed only if missing (Debian/Ubuntu).
SYSTEM_PACKAGES := libegl1 libgl1 libfontconfig1 libxkbcommon0 libdbus-1-3 fonts-dejavu-core

.PHONY: run test lint format bench package system-deps clean

run: $(STAMP)
	$(VENV)/bin/annotator

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check annotator tests bench
	$(VENV)/bin/ruff format --check annotator tests bench

format: $(STAMP)
	$(VENV)/bin/ruff format annotator tests bench
	$(VENV)/bin/ruff check --fix annotator tests bench

bench: $(STAMP)
	@for script in bench/bench_*.py; do echo "== $$script"; QT_QPA_PLATFORM=offscreen $(PY) $$script || exit 1; done

# One-folder app in dist/annotator/ (PyInstaller, packaging/README.md), then check the build:
# --version, the hidden --smoke-test (window on the sample, PDF, spaCy entity, sentiment;
# headless), and the CLI adding a reading and running spaCy suggestions, all from dist/ alone.
package: $(STAMP)
	$(PY) -m pip install --quiet "pyinstaller>=6.10,<7"
	rm -rf build/pyinstaller dist/annotator
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN \
		--distpath dist --workpath build/pyinstaller packaging/annotator.spec
	dist/annotator/annotator --version
	QT_QPA_PLATFORM=offscreen dist/annotator/annotator --smoke-test
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && cd "$$tmp" && \
		$(CURDIR)/dist/annotator/annotator --project p.annotator add \
			$(CURDIR)/resources/samples/of-studies.md >/dev/null && \
		$(CURDIR)/dist/annotator/annotator --project p.annotator suggest && \
		$(CURDIR)/dist/annotator/annotator --project p.annotator list
	@du -sh dist/annotator

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Annotator needs Python 3.11 or newer (found $$($(PYTHON) --version))"; exit 1; }
	@$(MAKE) --no-print-directory system-deps
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

# Qt's shared libraries: present on most desktops; CI and minimal machines may lack them.
system-deps:
	@missing=""; for lib in libEGL.so.1 libGL.so.1 libfontconfig.so.1 libxkbcommon.so.0 libdbus-1.so.3; do \
		ldconfig -p 2>/dev/null | grep -q "$$lib" || missing="$$missing $$lib"; done; \
	if [ -n "$$missing" ]; then \
		echo "Qt needs:$$missing"; \
		if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES); \
		elif command -v apt-get >/dev/null; then \
			sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES); \
		else echo "install them with your system's package manager"; exit 1; fi; \
	fi

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
