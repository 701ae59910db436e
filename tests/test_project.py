"""Project hygiene: the README's commands, CI, and the pins kept in step across requirements and conda."""

import re

import yaml

from conftest import ROOT


REQUIREMENTS = ROOT / "requirements"


def _pins(lines):
    return sorted(l.strip().lstrip("- ").strip() for l in lines if re.match(r"^\s*-?\s*[A-Za-z0-9_.-]+==", l))


def _requirements(path):
    """The pins of a requirements file, following its ``-r`` includes."""
    lines = []
    for line in path.read_text().splitlines():
        if line.startswith("-r "):
            lines += _requirements(path.parent / line[3:].strip())
        else:
            lines += _pins([line])
    return sorted(lines)


def test_environment_yml_matches_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "python=3.11" in env["dependencies"]
    assert sorted(pip) == _requirements(REQUIREMENTS / "all.txt")


def test_required_pins():
    pins = dict(p.split("==") for p in _requirements(REQUIREMENTS / "all.txt"))
    assert pins["torch"] == "2.13.0" and pins["jupyter-book"].startswith("1.")
    assert pins["nbgrader"].startswith("0.9.")
    # Each set is pinned, and agrees with the full list of tested versions.
    constraints = dict(p.split("==") for p in _pins((REQUIREMENTS / "constraints.txt").read_text().splitlines()))
    for name, version in pins.items():
        assert constraints.get(name, version) == version, name


def test_the_website_build_needs_no_torch_and_students_get_no_instructor_tools():
    site = dict(p.split("==") for p in _requirements(REQUIREMENTS / "site.txt"))
    assert "torch" not in site and "nbgrader" not in site and "jupyterlab" not in site
    lab = dict(p.split("==") for p in _requirements(REQUIREMENTS / "lab.txt"))
    assert {"torch", "nbgrader", "jupyterlab"} <= set(lab) and not {"pytest", "distributed", "jupytext"} & set(lab)
    # Binder (repo2docker reads binder/ only) installs the student set with CPU-only torch,
    # and the student configuration.
    binder = (ROOT / "binder" / "requirements.txt").read_text()
    assert "-r ../requirements/lab.txt" in binder and "/whl/cpu" in binder
    assert "groundup.lab --config-only" in (ROOT / "binder" / "postBuild").read_text()


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make site" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_toc_lists_every_chapter():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"] if c["file"].startswith("chapters/")]
    assert files == [f"chapters/{p.stem}" for p in sorted((ROOT / "chapters").glob("*.ipynb"))]
