"""The gradient's error per op x dtype x order, in ULPs of each element's own exact value.

Reads the ``results.json`` of a sweep (``symgrad-check --results-only --out DIR``): each judged
element carries ``ulp_error``, ``|engine - exact| / ulp(exact)`` in the checked dtype at the
exact value (correctly rounded is 0.5 at most). Prints, per op, dtype and order, the number of
elements, the median and the worst error, and the check that holds the worst; with a baseline,
the baseline's figures beside them. Elements at a kink (where the engine follows its declared
convention) and elements whose error is not finite (an infinite exact value) are left out and
counted.

    symgrad-check --results-only --allow-unjudged --out /tmp/after
    python benchmarks/gradient_ulps.py /tmp/after/results.json
    python benchmarks/gradient_ulps.py /tmp/after/results.json --baseline /tmp/before/results.json
    python benchmarks/gradient_ulps.py /tmp/after/results.json --above 1   # only medians > 1 ULP
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

from reports.records import counted_ulps

Key = tuple[str, str, int]


def ulp_table(path: Path) -> dict[Key, dict[str, Any]]:
    """Per (op, dtype, order): ``n``, ``median``, ``worst``, ``worst_id``, ``left_out``.

    Args:
        path: A sweep's ``results.json``.
    """
    errors: dict[Key, list[tuple[float, str]]] = defaultdict(list)
    left_out: dict[Key, int] = defaultdict(int)
    for v in json.loads(path.read_text())["verdicts"]:
        key = (v["op"], v["dtype"], int(v["order"]))
        counted = counted_ulps(v)  # a check listing only its worst keeps all its errors counted
        errors[key].extend((u, v["id"]) for u in counted)
        for e in v.get("elements") or []:
            u = e.get("ulp_error")
            u = float(u) if isinstance(u, int | float) or u in ("inf", "nan") else None
            if e.get("status") == "kink" or u is None or not math.isfinite(u):
                left_out[key] += 1
            elif not counted:
                errors[key].append((u, v["id"]))
    table = {}
    for key in sorted(set(errors) | set(left_out)):
        values = errors.get(key, [])
        worst = max(values, default=(math.nan, ""))
        table[key] = {"n": len(values), "left_out": left_out.get(key, 0),
                      "median": statistics.median(u for u, _ in values) if values else math.nan,
                      "worst": worst[0], "worst_id": worst[1]}
    return table


def _fmt(x: float) -> str:
    return "-" if math.isnan(x) else f"{x:.3g}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="a sweep's results.json")
    parser.add_argument("--baseline", type=Path, help="an earlier results.json to compare with")
    parser.add_argument("--above", type=float, default=-1.0,
                        help="list only rows whose median or worst (here or in the baseline) "
                             "exceeds this many ULP (for the worst: 8 times it)")
    parser.add_argument("--order", type=int, choices=(1, 2), help="one order only")
    args = parser.parse_args(argv)
    now = ulp_table(args.results)
    before = ulp_table(args.baseline) if args.baseline else {}
    head = f"{'op':<28} {'dtype':<8} {'ord':>3} {'n':>5} {'median':>8} {'worst':>9}"
    if before:
        head += f" {'median was':>10} {'worst was':>9}"
    print(head + "  worst at")
    for key in sorted(now):
        if args.order and key[2] != args.order:
            continue
        row, old = now.get(key), before.get(key)
        rows = [r for r in (row, old) if r]
        if not any(r["median"] > args.above or r["worst"] > 8 * args.above for r in rows):
            continue
        n = row["n"] if row else 0
        line = (f"{key[0]:<28} {key[1]:<8} {key[2]:>3} {n:>5} "
                f"{_fmt(row['median'] if row else math.nan):>8} "
                f"{_fmt(row['worst'] if row else math.nan):>9}")
        if before:
            line += (f" {_fmt(old['median'] if old else math.nan):>10} "
                     f"{_fmt(old['worst'] if old else math.nan):>9}")
        print(line + f"  {row['worst_id'] if row else ''}")
    medians = [r["median"] for r in now.values() if not math.isnan(r["median"])]
    print(f"\n{len(now)} op x dtype x order rows; medians above 1 ULP: "
          f"{sum(m > 1 for m in medians)}; worst overall "
          f"{_fmt(max((r['worst'] for r in now.values()), default=math.nan))} ULP")


if __name__ == "__main__":
    main()
