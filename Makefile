# Every entry point of the course. The first use of any target creates .venv and installs
# the pinned requirements, so `make site` and `make test` work on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: help site serve test lab lab-instructor release sample grade clean sandbox browser

help:
	@echo "make site            build the website into _build/html (strict: any warning fails)"
	@echo "make serve           build, then serve the website at http://localhost:8000"
	@echo "make test            run every test (masters pass, stubs fail, site in a browser, grading end to end)"
	@echo "make lab             JupyterLab on chapters/ with nbgrader's Validate button"
	@echo "make lab-instructor  JupyterLab on solutions/ (masters open as notebooks via jupytext)"
	@echo "make release         regenerate chapters/ from solutions/ (runs every master)"
	@echo "make sample CHAPTER=01_perceptron                   build a sample class zip"
	@echo "make grade CHAPTER=01_perceptron SUBMISSIONS=x.zip  grade a class into grading/"

$(INSTALLED): requirements.txt constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# Grading runs each submission in a bubblewrap sandbox. Install it where we can (Debian, as root);
# elsewhere say how, and grading runs with resource limits only, and says so.
sandbox:
	@command -v bwrap >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing bubblewrap (the grading sandbox)"; \
	    (apt-get update -qq && apt-get install -y -qq bubblewrap) >/dev/null; \
	  else \
	    echo "NOTE: bubblewrap is missing; grading will run WITHOUT isolation (Debian/Ubuntu: sudo apt-get install bubblewrap)"; \
	  fi; }

# The browser test drives Debian's Chromium through Playwright (Playwright's own browser download
# is not reachable from every machine). Install it where we can; elsewhere the test says what is missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium (for the browser test of the website)"; \
	    (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null; \
	  else \
	    echo "NOTE: chromium is missing; the browser test cannot run (Debian/Ubuntu: sudo apt-get install chromium)"; \
	  fi; }

site: $(INSTALLED)
	rm -rf _build/html
	$(VENV)/bin/jupyter-book build . -W -n --keep-going
	@echo "Website built: open _build/html/index.html in a browser, or run 'make serve'."

serve: site
	@echo "Serving at http://localhost:8000 (Ctrl-C stops)"
	$(PY) -m http.server --directory _build/html 8000

test: $(INSTALLED) sandbox browser
	$(PY) -m pytest

lab: $(INSTALLED)
	$(VENV)/bin/jupyter lab chapters/

lab-instructor: $(INSTALLED)
	PYTHONPATH=$(CURDIR) $(VENV)/bin/jupyter lab solutions/

release: $(INSTALLED)
	$(PY) -m autograder release

sample: $(INSTALLED)
	$(PY) -m autograder sample-class $(CHAPTER)

grade: $(INSTALLED) sandbox
	$(PY) -m autograder grade $(CHAPTER) $(SUBMISSIONS)

clean:
	rm -rf _build grading
