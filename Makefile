# Every entry point of the course. Each target installs what it needs into .venv on first use,
# from the pinned sets in requirements/, so every target works on a fresh machine:
# `make site` only the website builder, `make lab` a student's JupyterLab, the rest everything.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet -c requirements/constraints.txt
WORK ?= work
LAB_ARGS ?=

.PHONY: help site serve test lab lab-instructor release sample grade clean sandbox browser

help:
	@echo "make site            build the website into _build/html (strict: any warning fails)"
	@echo "make serve           build, then serve the website at http://localhost:8000"
	@echo "make test            run every test (masters pass, stubs fail, site and lab in a browser, grading)"
	@echo "make lab             a student's JupyterLab on your own copies of the chapters, in work/"
	@echo "make lab-instructor  JupyterLab on solutions/ (masters open as notebooks via jupytext)"
	@echo "make release         regenerate chapters/ from solutions/ (runs every master)"
	@echo "make sample CHAPTER=01_perceptron                   build a sample class zip"
	@echo "make grade CHAPTER=01_perceptron SUBMISSIONS=x.zip  grade a class into grading/"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.site: requirements/site.txt requirements/constraints.txt | $(PY)
	$(PIP) -r requirements/site.txt
	touch $@

$(VENV)/.lab: requirements/lab.txt requirements/constraints.txt pyproject.toml | $(PY)
	$(PIP) -r requirements/lab.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.all: requirements/*.txt pyproject.toml | $(PY)
	$(PIP) -r requirements/all.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(VENV)/.site $(VENV)/.lab $@

# Install a Debian package where we can (as root, with apt); elsewhere say what is missing.
# $(call apt_install,COMMAND,PACKAGE,WHAT IT IS FOR,WHAT HAPPENS WITHOUT IT)
define apt_install
@command -v $(1) >/dev/null 2>&1 || { \
  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
    echo "installing $(2) ($(3))"; \
    (apt-get update -qq && apt-get install -y -qq $(2)) >/dev/null; \
  else \
    echo "NOTE: $(2) is missing; $(4) (Debian/Ubuntu: sudo apt-get install $(2))"; \
  fi; }
endef

# Grading runs each submission in a bubblewrap sandbox; without it, with resource limits only.
sandbox:
	$(call apt_install,bwrap,bubblewrap,the grading sandbox,grading will run WITHOUT isolation)

# The browser tests drive Debian's Chromium through Playwright (Playwright's own browser
# download is not reachable from every machine).
browser:
	$(call apt_install,chromium,chromium,for the browser tests,the browser tests cannot run)

site: $(VENV)/.site
	rm -rf _build/html
	$(VENV)/bin/jupyter-book build . -W -n --keep-going
	@echo "Website built: open _build/html/index.html in a browser, or run 'make serve'."

serve: site
	@echo "Serving at http://localhost:8000 (Ctrl-C stops)"
	$(PY) -m http.server --directory _build/html 8000

# Two pytest-xdist workers; tests/conftest.py decides which tests run together on one worker
# (those that share a fixture such as a graded class) and hands out the longest units first.
test: $(VENV)/.all sandbox browser
	$(PY) -m pytest -n 2

# Students work on copies in $(WORK)/ (git-ignored), made once and never overwritten.
lab: $(VENV)/.lab
	$(PY) -m groundup.lab --chapters chapters --work $(WORK) $(LAB_ARGS)

lab-instructor: $(VENV)/.all
	PYTHONPATH=$(CURDIR) $(VENV)/bin/jupyter lab solutions/

release: $(VENV)/.all
	$(PY) -m autograder release

sample: $(VENV)/.all
	$(PY) -m autograder sample-class $(CHAPTER)

grade: $(VENV)/.all sandbox
	$(PY) -m autograder grade $(CHAPTER) $(SUBMISSIONS)

clean:
	rm -rf _build grading
