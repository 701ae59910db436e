"""Know whether a notebook runs for a reader or for the grader.

nbgrader sets ``NBGRADER_EXECUTION`` (to ``autograde`` or ``validate``) while it
runs a notebook; ``GROUNDUP_QUICK=1`` asks for the same from a shell. Heavy demo
cells (training loops, sweeps) pick their size with :func:`scaled`, so grading a
class stays fast while the published chapter shows full-size results.
"""

import os

QUICK = bool(os.environ.get("NBGRADER_EXECUTION")) or os.environ.get("GROUNDUP_QUICK", "") not in ("", "0")


def scaled(full, quick):
    """Return ``quick`` while grading (or when GROUNDUP_QUICK is set), else ``full``."""
    return quick if QUICK else full
