"""The README runs: every ```python block of README.md, in order, in a fresh interpreter.

Each block runs in one shared namespace (as when pasted one after the other into ``python``), in
a subprocess with the non-interactive matplotlib backend and a temporary working directory. A block
that plots must do so on a figure of its own: figures that existed before it are left untouched.
The README also never points outside the repository.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"

_DRIVER = textwrap.dedent('''
    import json, sys, traceback
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def artists(fig):
        return sum(len(ax.get_children()) for ax in fig.axes)

    blocks = json.load(open(sys.argv[1]))
    report = []
    namespace = {"__name__": "__main__"}
    for k, (line, code) in enumerate(blocks):
        before = {n: artists(plt.figure(n)) for n in plt.get_fignums()}
        try:
            exec(compile(code, f"README.md block {k + 1} (line {line})", "exec"), namespace)
        except BaseException:
            report.append({"block": k + 1, "line": line, "error": traceback.format_exc()})
            break
        touched = [n for n, count in before.items() if n in plt.get_fignums() and artists(plt.figure(n)) != count]
        new = [n for n in plt.get_fignums() if n not in before]
        report.append({"block": k + 1, "line": line, "touched": touched, "new": new})
    json.dump(report, open(sys.argv[2], "w"))
''')


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, code) of every fenced ```python block."""
    blocks, lines = [], text.splitlines()
    k = 0
    while k < len(lines):
        if re.match(r"^```python\s*$", lines[k].strip()):
            start, body = k + 1, []
            k += 1
            while k < len(lines) and lines[k].strip() != "```":
                body.append(lines[k])
                k += 1
            blocks.append((start + 1, "\n".join(body) + "\n"))
        k += 1
    return blocks


def test_blocks_are_found():
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 4
    assert any("bifur.plot.fi" in code for _, code in blocks)


@pytest.mark.slow
def test_every_python_block_runs_in_order(tmp_path):
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    src, out = tmp_path / "blocks.json", tmp_path / "report.json"
    src.write_text(json.dumps(blocks))
    driver = tmp_path / "driver.py"
    driver.write_text(_DRIVER)
    env = {**os.environ, "MPLBACKEND": "Agg"}
    run = subprocess.run([sys.executable, str(driver), str(src), str(out)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(out.read_text())
    failed = [r for r in report if "error" in r]
    assert not failed, f"README block {failed[0]['block']} (line {failed[0]['line']}) fails:\n{failed[0]['error']}"
    assert len(report) == len(blocks)
    for r, (_, code) in zip(report, blocks):
        assert not r["touched"], f"README block {r['block']} (line {r['line']}) drew on an earlier block's figure"
        if "bifur.plot." in code:
            assert r["new"], f"README block {r['block']} (line {r['line']}) plots but made no figure of its own"


def test_no_paths_outside_the_repository():
    text = README.read_text(encoding="utf-8")
    outside = re.findall(r"(?:\.\./|~/|\$HOME|\$XDG\w*|(?<![\w.>])/(?:home|root|tmp|work|usr|etc|opt|var)\b)[^\s`)]*",
                         text)
    assert outside == []
    for target in re.findall(r"\]\(([^)]+)\)", text):          # links and images point into the repository
        if "://" not in target:
            assert (README.parent / target).exists(), target


def test_readme_says_what_users_ask():
    text = README.read_text(encoding="utf-8")
    assert "µA/cm²" in text and "mS/cm²" in text and "mV" in text          # the units of the library models
    assert "class 1" in text and "class 2" in text and "class 3" in text    # what excitability classes mean
    assert "bifur_demo/" in text and "docs/figures/" in text                # where the demo writes figures
    assert re.search(r"first run after installing takes about \d+ s", text)  # how long the first run takes
