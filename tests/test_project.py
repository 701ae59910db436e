"""Project hygiene: the README's commands, CI, and the pins kept in step across requirements and conda."""

import re

import yaml

from conftest import ROOT


def _pins(lines):
    return sorted(l.strip().lstrip("- ").strip() for l in lines if re.match(r"^\s*-?\s*[A-Za-z0-9_.-]+==", l))


def test_environment_yml_matches_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "python=3.11" in env["dependencies"]
    assert sorted(pip) == _pins((ROOT / "requirements.txt").read_text().splitlines())


def test_required_pins():
    pins = dict(p.split("==") for p in _pins((ROOT / "requirements.txt").read_text().splitlines()))
    assert pins["torch"] == "2.13.0" and pins["jupyter-book"].startswith("1.")
    assert pins["nbgrader"].startswith("0.9.")


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make site" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_toc_lists_every_chapter():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"] if c["file"].startswith("chapters/")]
    assert files == [f"chapters/{p.stem}" for p in sorted((ROOT / "chapters").glob("*.ipynb"))]
