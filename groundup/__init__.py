"""groundup: the small library that the chapters of *Deep Learning from the Ground Up* share.

Students get this package with the course. It holds only what every chapter
reuses: sanity checks with helpful messages (:mod:`groundup.checks`, including
:func:`check_all`, which runs a chapter's visible tests where there is no Validate
button), toy data sets (:mod:`groundup.data`), plotting helpers
(:mod:`groundup.plots`), the switch that shrinks heavy demos while a notebook is
being graded (:mod:`groundup.runtime`), the student's JupyterLab
(:mod:`groundup.lab`), and :func:`add_to_class`, which lets a chapter write a class
across several cells. No exercise solution lives here.
"""

from groundup.checks import check_all
from groundup.runtime import QUICK, scaled

__all__ = ["QUICK", "add_to_class", "check_all", "scaled"]
__version__ = "0.1.0"


def add_to_class(cls):
    """Decorator: attach the function below it to the class ``cls``, as a method.

    The method keeps the function's name. It lets a chapter write a class across
    several cells: first its constructor, then each method (often an exercise) where
    the text explains it.
    """
    def attach(method):
        setattr(cls, method.__name__, method)
        return method
    return attach
