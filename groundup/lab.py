"""Start JupyterLab for a student: their own copies of the chapters, and student tools only.

``make lab`` runs ``python -m groundup.lab``, which

1. copies each chapter notebook into the work folder (``work/``, git-ignored) unless a file
   of that name is already there: a student's notebook is never overwritten, and the
   tracked ``chapters/`` are never opened, so ``git pull`` and ``make release`` cannot
   clash with anybody's work;
2. writes a Jupyter configuration that keeps nbgrader's **Validate** button and switches
   off its instructor tools (Formgrader, Create Assignment, Course List), and the
   Assignment List too unless the course uses an nbgrader exchange (``--course-id``);
3. starts JupyterLab in the work folder with that configuration.

``python -m groundup.lab --config-only DIR`` writes the configuration alone, into a folder
on Jupyter's config path (Binder's ``postBuild`` uses ``~/.jupyter``; a JupyterHub image
can use ``/etc/jupyter``).
"""

import argparse
import json
import os
import pathlib
import shutil
import sys

# nbgrader's JupyterLab plugins and server extensions that only an instructor uses.
INSTRUCTOR_PLUGINS = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                      "@jupyter/nbgrader:course-list"]
INSTRUCTOR_SERVER_EXTENSIONS = ["nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list"]
# Fetching and submitting through an exchange (the Assignment List, and the Nbgrader menu that
# opens it): useful only where an exchange is configured; elsewhere the menu would be empty.
EXCHANGE_PLUGINS = ["@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:menu"]
EXCHANGE_SERVER_EXTENSION = "nbgrader.server_extensions.assignment_list"
CONFIG_FOLDER = ".jupyter-student"  # inside the work folder; hidden in JupyterLab's file browser


def copy_chapters(chapters, work):
    """Copy every ``*.ipynb`` of ``chapters`` into ``work`` that is not there yet.

    Returns (copied, kept): the names copied, and the names left alone because the
    student already has a file of that name.
    """
    work = pathlib.Path(work)
    work.mkdir(parents=True, exist_ok=True)
    copied, kept = [], []
    for source in sorted(pathlib.Path(chapters).glob("*.ipynb")):
        target = work / source.name
        try:
            # "x" mode fails if the file exists: no check-then-write race with a running lab.
            with open(target, "xb") as out:
                out.write(source.read_bytes())
        except FileExistsError:
            kept.append(source.name)
            continue
        copied.append(source.name)
    return copied, kept


def write_student_config(folder, course_id=None, exchange=None, overwrite=True):
    """Write the student's Jupyter configuration into ``folder``; return the folder.

    With ``course_id`` (and optionally ``exchange``, the exchange's root folder) the
    Assignment List stays on, so students can fetch and submit through nbgrader's exchange.
    Without ``overwrite``, files that are already there (an image's own settings) are
    never replaced: a ``FileExistsError`` names them instead.
    """
    folder = pathlib.Path(folder)
    names = ["labconfig/page_config.json", "jupyter_server_config.json", "nbgrader_config.py"]
    there = [name for name in names if (folder / name).exists()]
    if there and not overwrite:
        raise FileExistsError(f"{folder} already has {', '.join(there)}: merge the student settings by hand "
                              "(see groundup/lab.py) or pass --force")
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    off_plugins = INSTRUCTOR_PLUGINS + ([] if course_id else EXCHANGE_PLUGINS)
    off_server = INSTRUCTOR_SERVER_EXTENSIONS + ([] if course_id else [EXCHANGE_SERVER_EXTENSION])
    page = {"disabledExtensions": {name: True for name in off_plugins}}
    server = {"ServerApp": {"jpserver_extensions": {name: False for name in off_server}}}
    (folder / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=2) + "\n")
    (folder / "jupyter_server_config.json").write_text(json.dumps(server, indent=2) + "\n")
    lines = ["# The student's nbgrader settings, written by groundup.lab.", "c = get_config()  # noqa: F821"]
    if course_id:
        lines.append(f"c.CourseDirectory.course_id = {course_id!r}")
    if exchange:
        lines.append(f"c.Exchange.root = {str(exchange)!r}")
    (folder / "nbgrader_config.py").write_text("\n".join(lines) + "\n")
    return folder


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m groundup.lab", description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapters", default="chapters", help="the released notebooks (default: chapters)")
    parser.add_argument("--work", default="work", help="the student's folder (default: work)")
    parser.add_argument("--course-id", help="the nbgrader course id, where the course uses an exchange")
    parser.add_argument("--exchange", help="the nbgrader exchange folder (default: nbgrader's own)")
    parser.add_argument("--config-only", metavar="DIR", help="only write the configuration into DIR")
    parser.add_argument("--force", action="store_true", help="with --config-only: replace files already in DIR")
    args, lab_args = parser.parse_known_args(argv)

    if args.config_only:
        try:
            write_student_config(args.config_only, args.course_id, args.exchange, overwrite=args.force)
        except FileExistsError as err:
            parser.exit(1, f"{err}\n")
        print(f"student JupyterLab configuration written to {args.config_only}")
        return 0
    work = pathlib.Path(args.work).resolve()
    copied, kept = copy_chapters(args.chapters, work)
    if copied:
        print(f"copied into {work}: {', '.join(copied)}")
    if kept:
        print(f"kept your own copies in {work}: {', '.join(kept)} (delete one to get a fresh copy)")
    config = write_student_config(work / CONFIG_FOLDER, args.course_id, args.exchange)
    env = dict(os.environ)
    # Ahead of the environment's own config (which switches every nbgrader tool on), behind the user's.
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(filter(None, [str(config), env.get("JUPYTER_CONFIG_PATH")]))
    lab = shutil.which("jupyter-lab", path=os.path.dirname(sys.executable)) or "jupyter-lab"
    sys.stdout.flush()
    # Containers (Docker, some hubs) run as root, which JupyterLab refuses without this flag.
    root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    os.execvpe(lab, [lab, f"--ServerApp.root_dir={work}", *root, *lab_args], env)


if __name__ == "__main__":
    sys.exit(main())
