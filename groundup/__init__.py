"""groundup: the small library that the chapters of *Deep Learning from the Ground Up* share.

Students get this package with the course. It holds only what every chapter
reuses: sanity checks with helpful messages (:mod:`groundup.checks`), toy data
sets (:mod:`groundup.data`), plotting helpers (:mod:`groundup.plots`) and the
switch that shrinks heavy demos while a notebook is being graded
(:mod:`groundup.runtime`). No exercise solution lives here.
"""

from groundup.runtime import QUICK, scaled

__all__ = ["QUICK", "scaled"]
__version__ = "0.1.0"
