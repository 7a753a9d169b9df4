"""Command line: ``python -m bifur demo [--out DIR]``."""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bifur", description="bifur command line")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="analyse the built-in models and write figures")
    demo.add_argument("--out", default="bifur_demo", help="output folder (default: ./bifur_demo)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import run_demo
        run_demo(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
