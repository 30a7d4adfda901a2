"""The README's exit-code table stays exact: every failure kind it lists has a
reproducer here, run through the real console script, that ends in that code with one
line on stderr (Click's usage block for its own errors). A kind in the table without a
reproducer, or a reproducer for a kind the table no longer lists, fails the test."""

from __future__ import annotations

import os
import pty
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from fuzz.running import Outcome, assert_contract
from helpers import PROJECT, SCRIPT, clean_env

# A small model, seeded so that its logits on 1e308,1e308 overflow in every run.
M = (
    "softmax train-blobs --seed 1 --samples 20 --test-size 5 --epochs 1 -q"
    " --save m.npz > /dev/null; "
)
CAL = "softmax calibrate --target 0 -f json"
# Each kind of the table, as the README words it, and a shell line that shows it.
REPRODUCERS: dict[int, dict[str, str]] = {
    0: {
        "success": "softmax 0.7 1.5 4.8",
        "for empty input: no rows in, no rows out": "softmax -f csv < /dev/null",
        "calibrate excepted, which needs rows to fit": f"! {CAL} < /dev/null",
    },
    1: {
        "an I/O error": M + "softmax train-blobs --epochs 1 -q --save missing/m.npz",
        "such as error: cannot write output: No space left on device for a full disk": (
            "softmax -f csv 1 2 > /dev/full"
        ),
        "a closed pipe": (
            "seq 200000 | sed 's/$/,1,2/' | softmax -f csv | head -c 10 > /dev/null;"
            " exit ${PIPESTATUS[2]}"
        ),
        "a standard stream closed before the start": "softmax -f csv 1 2 >&-",
        "error: cannot write output: stdout is closed": "softmax --help >&-",
        "error: stdin is closed when stdin is to be read": "softmax -f csv <&-",
        "--save or --plot naming something that is not a regular file": (
            "mkfifo f; softmax train-blobs --samples 20 --test-size 5 --epochs 1 -q --save f"
        ),
        "a device such as /dev/null, a FIFO, a socket": (
            "softmax train-blobs --samples 20 --test-size 5 --epochs 1 -q --plot /dev/null"
        ),
        "a Dask scheduler that cannot be reached": (
            "echo 1,2 > a.csv; mkdir -p o; softmax -i a.csv --output-dir o --scheduler tcp://127.0.0.1:1"
        ),
    },
    2: {
        "unknown option or command": "softmax sigmod 1",
        "bad option value": "softmax -t 0 1 2",
        "a bad value among the values given as arguments": "softmax 1 x 2",
        "including an unknown --target": "softmax xent --target dog 1 2",
        "a stats -k beyond their number": "softmax stats -k 5 1 2",
        "the wrong number of them for a predict model": M + "softmax predict -m m.npz 1 2 3",
        "--labels naming a class twice": "softmax --labels a,a,b 1 2 3",
        "nan or an infinity for a number option": "softmax -t inf 1 2",
        "a size over its cap": "echo 1,2 | softmax calibrate --target 0 --bins 1000000000000",
        "--bins, --hidden, sample -n for input rows": "echo 1,2 | softmax sample -n 10000000",
        "--targets with --target or --target-column": (
            "echo 0 > t.txt; echo 1,2 | softmax xent --targets t.txt --target 0"
        ),
        "a --targets file that does not exist": "softmax xent --targets nothing.txt 1 2",
        "compare with both files on stdin": "softmax compare - - < /dev/null",
        "no input on a terminal": "PTY softmax",
        "an --input glob that matches no file": "softmax -i 'none/*.csv'",
        "an input file given twice": "echo 1,2 > a.csv; softmax -i a.csv -i ./a.csv",
        "--workers or --scheduler on stdin or values": "softmax --workers 2 1 2",
        "an --output-dir that is no folder": "echo 1,2 > a.csv; softmax -i a.csv --output-dir b",
    },
    65: {
        "non-numeric or nan cell": "printf '1,2\\n1,nan\\n' | softmax -f csv",
        "ragged row": "printf '1,2\\n1,2,3\\n' | softmax -f csv",
        "input shards whose columns differ": (
            "printf 'a,b\\n1,2\\n' > a.csv; printf 'a,c\\n1,2\\n' > b.csv;"
            " softmax -i a.csv -i b.csv"
        ),
        "compare's BASE and OTHER of different shapes": (
            "printf '1,2\\n' > a.csv; printf '1,2,3\\n' > b.csv; softmax compare a.csv b.csv"
        ),
        "a row of only -inf": "printf -- '-inf,-inf\\n' | softmax -f csv",
        "an unknown target label or index in a CSV row or a --targets file": (
            "printf 'a,b,label\\n1,2,c\\n' | softmax xent -f csv"
        ),
        "a --targets file with more or fewer targets than rows or that is no integer .npy": (
            "printf '0\\n1\\n' > t.txt; echo 1,2 | softmax xent --targets t.txt -f csv"
        ),
        "probabilities that do not sum to 1": "printf '0.5,0.6\\n' | softmax stats --probs",
        "labels": "printf '1,2\\n' | softmax --labels a,b,c -f csv",
        "weights or a stats -k that do not match the columns": (
            "printf '1,2\\n' | softmax xent --target 0 --weights 1,2,3 -f csv"
        ),
        "a corrupt or foreign model file": "echo x > m.npz; echo 1,2 | softmax predict -m m.npz",
        "a header naming a class twice": "printf 'x,x,y\\n1,2,3\\n' | softmax -f json",
        "rows with the wrong number of features for a model": (
            M + "echo 1,2,3 | softmax predict -m m.npz"
        ),
        "--skip-invalid that skipped every row": (
            "printf 'a,b\\n1,nan\\n2,nan\\n' | softmax --skip-invalid -f csv"
        ),
        "a train target chosen by default that is a measurement": (
            "printf 'a,b\\n5,0.5\\n1,1.5\\n3,2.5\\n4,0.25\\n' > d.csv; softmax train d.csv -q"
        ),
        "a model whose logits overflow on the input": (
            M + "echo 1e308,1e308 | softmax predict -m m.npz"
        ),
        "a train network too large for the data's columns": (
            "seq 0 119 | sed 's/^/c/' | paste -sd, | sed 's/$/,label/' > w.csv;"
            ' for i in 3 1 4 1 5 9; do seq $i $((i + 119)) | paste -sd, | sed "s/$/,$((i % 2))/";'
            " done >> w.csv; softmax train w.csv --hidden 100000 -q"
        ),
        "a logit more than 1e305 below its row's maximum": (
            "printf '0,-1e306\\n0,1\\n' | softmax calibrate --target 1 -f json"
        ),
        "for calibrate, fewer than 2 rows or a target with probability 0": (f"echo 1,2 | {CAL}"),
    },
}


def split_top_level(text: str, separator: str) -> list[str]:
    """``text`` split at ``separator`` outside parentheses and backticks."""
    parts, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(text):
        if char == "`":
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
        elif not quoted and depth == 0 and text.startswith(separator, index):
            parts.append(text[start:index])
            start = index + len(separator)
    return [*parts, text[start:]]


def kinds(meaning: str) -> list[str]:
    """The failure kinds of one row: after its heading (up to a top-level colon), the
    items of the first clause split at commas, each later clause whole; a parenthesis
    holds further kinds, split at semicolons and at ", or"."""
    clauses = split_top_level(meaning, "; ")
    head = split_top_level(clauses[0], ": ")
    found = []
    for item in split_top_level(head[-1], ", ") + clauses[1:]:
        outside, _, inside = item.partition(" (")
        found.append(outside)
        for clause in split_top_level(inside.removesuffix(")"), "; ") if inside else []:
            found.extend(clause.split(", or "))
    return [re.sub(r"^(or |also )", "", kind.strip().replace("`", "")) for kind in found]


def table() -> dict[int, list[str]]:
    text = (PROJECT / "README.md").read_text()
    section = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| (.+) \|$", section, re.MULTILINE)
    return {int(code): kinds(meaning) for code, meaning in rows}


def test_every_kind_in_the_table_has_a_reproducer_and_no_other() -> None:
    documented = table()
    assert sorted(documented) == [0, 1, 2, 65, 130]
    assert documented[130] == ["interrupted", "Ctrl-C"]  # test_interrupted_is_130_...
    for code, listed in documented.items():
        if code == 130:
            continue
        assert sorted(listed) == sorted(REPRODUCERS[code]), f"exit {code}: table vs tests"


def run_shell(line: str, folder: Path) -> Outcome:
    assert SCRIPT is not None
    env = clean_env()
    env["PATH"] = f"{Path(SCRIPT).parent}{os.pathsep}{env['PATH']}"
    if line.startswith("PTY "):
        leader, follower = pty.openpty()
        try:
            done = subprocess.run(
                ["bash", "-c", line[4:]],
                stdin=follower,
                capture_output=True,
                cwd=folder,
                env=env,
                timeout=60,
            )
        finally:
            os.close(leader)
            os.close(follower)
    else:
        done = subprocess.run(
            ["bash", "-c", line],
            capture_output=True,
            cwd=folder,
            env=env,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    return Outcome(done.returncode, done.stdout, done.stderr.decode(errors="replace"))


CASES = [(code, kind) for code, reproducers in REPRODUCERS.items() for kind in reproducers]


@pytest.mark.parametrize(("code", "kind"), CASES, ids=[f"{c}: {k}" for c, k in CASES])
def test_each_kind_ends_in_its_documented_code(code: int, kind: str, tmp_path: Path) -> None:
    line = REPRODUCERS[code][kind]
    if kind == "a closed pipe":  # quiet: no line at all
        outcome = run_shell(line, tmp_path)
        assert (outcome.code, outcome.stderr) == (code, "")
        return
    outcome = assert_contract(run_shell(line, tmp_path), [line])
    assert outcome.code == code, (
        f"{line}: exit {outcome.code}, README says {code}:\n{outcome.stderr}"
    )


def test_interrupted_is_130_without_a_traceback(tmp_path: Path) -> None:
    """SIGINT to a softmax reading a pipe that never ends."""
    assert SCRIPT is not None
    producer = subprocess.Popen(["yes", "1,2,3"], stdout=subprocess.PIPE)
    try:
        consumer = subprocess.Popen(
            [SCRIPT, "-f", "csv"],
            stdin=producer.stdout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=clean_env(),
        )
        assert producer.stdout is not None
        producer.stdout.close()
        time.sleep(1.5)  # past start-up, into the reading loop
        consumer.send_signal(signal.SIGINT)
        _, err = consumer.communicate(timeout=30)
    finally:
        producer.kill()
        producer.wait()
    assert consumer.returncode == 130, err.decode()
    assert b"Traceback" not in err and err.count(b"\n") <= 1, err.decode()
