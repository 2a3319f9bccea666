"""Command line: ``python -m customer_lifecycle.simulate --customers N --out DIR``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from customer_lifecycle.simulate.simulator import simulate
from customer_lifecycle.simulate.writing import FORMATS, write


def main(argv: Sequence[str] | None = None) -> int:
    """Simulate and write the tables; print the row counts. Returns 0."""
    parser = argparse.ArgumentParser(
        prog="python -m customer_lifecycle.simulate",
        description="Write deterministic demo input files for the warehouse.",
    )
    parser.add_argument("--customers", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--format", choices=FORMATS, default="csv")
    parser.add_argument("--start", default="2023-01-01")
    parser.add_argument("--end", default="2024-12-31")
    args = parser.parse_args(argv)
    tables = simulate(args.customers, seed=args.seed, start=args.start, end=args.end)
    write(tables, args.out, args.format)
    counts = ", ".join(f"{name}={len(df)}" for name, df in tables.items())
    print(f"wrote {args.format} to {args.out}: {counts}")
    return 0
