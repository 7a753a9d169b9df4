"""Regenerate the figures shown in the README: ``python scripts/make_figures.py``.

Runs the demo (``python -m bifur demo``) with its output folder set to ``docs/figures/`` of this
repository, so the README shows exactly what the demo draws.
"""
from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from bifur.demo import run_demo  # noqa: E402

FIGURES = Path(__file__).resolve().parents[1] / "docs" / "figures"


def main() -> int:
    written = run_demo(FIGURES)
    print("\n".join(["", "README figures:"] + [f"  {p.relative_to(FIGURES.parents[1])}" for p in written]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
