"""Plot of a fit: the fitted model's f-I and f-G curves against the observations.

Drawing only: the curves are those :func:`bifur.fit` computed for its result (``result.curves``).
Rates are points with σ error bars on the curve of their input; observed and fitted rheobase and
block are marked on the input axis (observed: open markers with horizontal σ bars; fitted: the
curve's own special points); the input conductance is written in the panel's title.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["plot_fit"]

_LABEL = {"current": "f-I (current injection)", "conductance": "f-G (conductance injection)"}


def plot_fit(result, axes=None) -> list:
    """Draw ``result`` (a :class:`~bifur.fit.FitResult`): one panel per input kind with data.

    Parameters
    ----------
    result : FitResult
    axes : sequence of matplotlib Axes, optional
        One per input kind present (default: a new figure).

    Returns
    -------
    list of Axes
    """
    import inspect

    from .plot import fi
    quiet = {"legend": False} if "legend" in inspect.signature(fi).parameters else {}  # one legend, drawn here
    table = result.table
    kinds = [k for k in ("current", "conductance") if k in result.curves]
    if axes is None:
        import matplotlib.pyplot as plt
        _, axes = plt.subplots(1, max(len(kinds), 1), figsize=(5.5 * max(len(kinds), 1), 4), squeeze=False)
        axes = list(axes[0])
    axes = list(np.atleast_1d(axes))
    gin = table[table["quantity"] == "input_conductance"]
    for ax, kind in zip(axes, kinds):
        curve = result.curves[kind]
        fi(curve, ax=ax, label=f"fitted {result.model.name}", **quiet)
        rows = table[(table["input"] == kind) & (table["quantity"] == "rate")]
        if len(rows):
            ax.errorbar(rows["at"], rows["value"], yerr=rows["sigma"], fmt="o", color="k", ms=4, capsize=2,
                        label="data", zorder=5)
        for q, marker in (("rheobase", ">"), ("block", "<")):
            obs = table[(table["input"] == kind) & (table["quantity"] == q)]
            for _, r in obs.iterrows():
                ax.errorbar([r["value"]], [0.0], xerr=[r["sigma"]], fmt=marker, mfc="none", color="k", ms=8,
                            capsize=2, label=f"observed {q}", zorder=5)
                ax.plot([r["predicted"]], [0.0], marker, color="C3", ms=6, label=f"fitted {q}", zorder=6)
        title = _LABEL[kind]
        if kind == "current" and len(gin):
            g = gin.iloc[0]
            title += f"\nG_in observed {g['value']:.4g} ± {g['sigma']:.2g}, fitted {g['predicted']:.4g}"
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7, loc="upper left")
    if axes and kinds:
        text = "\n".join(f"{k} = {v:.6g} ± {result.stderr[k]:.2g}" if math.isfinite(result.stderr[k])
                         else f"{k} = {v:.6g}" for k, v in result.params.items())
        axes[0].text(0.98, 0.03, text, transform=axes[0].transAxes, va="bottom", ha="right", fontsize=7,
                     bbox={"facecolor": "white", "alpha": 0.8, "lw": 0})
    return axes[:len(kinds)]
