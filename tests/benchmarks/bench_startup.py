"""Start-up time of ``softmax`` against bare imports, median of alternated runs.

Targets: ``softmax 0.7 1.5 4.8 --format csv`` within 1.15x of ``python -c "import numpy"``;
the table output within 1.15x of importing numpy, click and Rich's console and table.
"""

from __future__ import annotations

import argparse
import statistics
import sys

from _measure import run, softmax_script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21, help="alternated runs of each (>= 10)")
    runs = max(10, parser.parse_args().runs)
    script = softmax_script()
    pairs = {
        "csv output": (
            [script, "0.7", "1.5", "4.8", "--format", "csv"],
            [sys.executable, "-c", "import numpy"],
        ),
        "table output": (
            [script, "0.7", "1.5", "4.8", "--format", "table"],
            [sys.executable, "-c", "import numpy, click, rich.console, rich.table"],
        ),
    }
    for name, (ours, baseline) in pairs.items():
        run(ours), run(baseline)  # warm the file cache
        ours_times, base_times = [], []
        for _ in range(runs):
            ours_times.append(run(ours)[0])
            base_times.append(run(baseline)[0])
        ours_ms = statistics.median(ours_times) * 1000
        base_ms = statistics.median(base_times) * 1000
        print(
            f"{name:13s} softmax {ours_ms:6.1f} ms   baseline {base_ms:6.1f} ms   "
            f"ratio {ours_ms / base_ms:.3f}  (target <= 1.15, median of {runs})"
        )


if __name__ == "__main__":
    main()
