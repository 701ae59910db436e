"""Plotting helpers shared by the chapters: one look for every figure in the course."""

import numpy as np

CLASS_COLORS = ("#1f77b4", "#d62728")  # class 0 blue, class 1 red, in every figure


def scatter_classes(ax, X, y, labels=("class 0", "class 1")):
    """Scatter 2-D points coloured by their 0/1 label."""
    for cls, (color, label) in enumerate(zip(CLASS_COLORS, labels)):
        pts = X[np.asarray(y) == cls]
        ax.scatter(pts[:, 0], pts[:, 1], s=22, c=color, edgecolors="white", linewidths=0.5, label=label)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")


def line_boundary(ax, w, b, **style):
    """Draw the line w[0]*x1 + w[1]*x2 + b = 0 across the current axes limits."""
    (x_lo, x_hi), (y_lo, y_hi) = ax.get_xlim(), ax.get_ylim()
    if abs(w[1]) > 1e-12:
        xs = np.array([x_lo, x_hi])
        ax.plot(xs, -(w[0] * xs + b) / w[1], **style)
    elif abs(w[0]) > 1e-12:  # vertical line
        ax.plot([-b / w[0]] * 2, [y_lo, y_hi], **style)
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)


def decision_regions(ax, predict, X, y=None, resolution=200, pad=0.5):
    """Shade the plane by ``predict`` (a function from an (m, 2) array to m labels or probabilities)."""
    x_lo, y_lo = X.min(axis=0) - pad
    x_hi, y_hi = X.max(axis=0) + pad
    gx, gy = np.meshgrid(np.linspace(x_lo, x_hi, resolution), np.linspace(y_lo, y_hi, resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    z = np.asarray(predict(grid), dtype=float).reshape(gx.shape)
    ax.contourf(gx, gy, z, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.3, extend="both")
    if y is not None:
        scatter_classes(ax, X, y)
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
