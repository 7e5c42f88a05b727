"""Peak memory of `catdog-cnn predict` and `explain` on long recordings: it must not grow with their length.

Generates, in a temporary folder: a 2-hour 16-kHz WAV of quiet noise with a short tone every 10 s, a
12-hour FLAC of the same kind (mostly silence, so the file is small), and an 80-KB WAV that declares a
rate of 1 Hz (22 hours at 16 kHz). Each command runs in its own process; its peak resident memory (the
child's ``ru_maxrss``), wall time and the time to its first line are measured. Standard input is fed from the file
through a pipe. For reference, the peak of a process that only imports TensorFlow is measured too.

``--before REV`` also runs `explain` as the code of git revision REV had it (a worktree of REV, first on the
Python path), on the 2-hour file and on a 10-s file, in the same run: the figures before and after.

Usage: python benchmarks/memory.py [--out benchmarks/results/memory.json] [--hours 2 12] [--before REV]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from catdog_cnn.config import SAMPLE_RATE

MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
stdin = open(sys.argv[1], "rb") if sys.argv[1] != "-" else None
child = subprocess.Popen(sys.argv[2:], stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
first = -1.0
for line in child.stderr:
    first = time.perf_counter() - start if first < 0 else first
code = child.wait()
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - start, code, first)
"""


def long_recording(path: Path, hours: float, *, noise: float, subtype: str) -> Path:
    """Quiet noise (standard deviation ``noise``) with a 0.2-s 800-Hz tone every 10 s, written a minute at a time."""
    rng = np.random.default_rng(0)
    minute = np.arange(60 * SAMPLE_RATE) / SAMPLE_RATE
    tone = (0.5 * np.sin(2 * np.pi * 800 * minute) * ((minute % 10) < 0.2)).astype(np.float32)
    with sf.SoundFile(path, "w", SAMPLE_RATE, 1, subtype=subtype) as f:
        for _ in range(round(hours * 60)):
            f.write(tone + (noise * rng.standard_normal(minute.size)).astype(np.float32))
    return path


def measure(command: list[str], stdin: Path | None = None, env: dict[str, str] | None = None, cwd: Path | None = None
            ) -> dict:  # fmt: skip
    """Peak resident memory (MB), wall time (s) and time to the first line on stderr (s) of ``command``, run in a
    process of its own."""
    done = subprocess.run([sys.executable, "-c", MEASURE, str(stdin or "-"), *command], capture_output=True,
                          text=True, check=True, env=env, cwd=cwd)  # fmt: skip
    peak_kb, seconds, code, first = done.stdout.split()
    return {"peak_mb": int(peak_kb) / 1024, "seconds": float(seconds), "exit": int(code), "first_line_s": float(first)}


def before_and_after(rev: str, files: dict[str, Path], folder: Path) -> list[dict]:
    """`explain` on each of ``files`` with the code of ``rev`` and with this code, one after the other."""
    tree = folder / "before"
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(tree), rev], check=True)
    try:
        rows = []
        for name, path in files.items():
            for code, env in ((rev, os.environ | {"PYTHONPATH": str(tree)}), ("this code", None)):
                command = [
                    sys.executable,
                    "-m",
                    "catdog_cnn.cli",
                    "explain",
                    str(path),
                    "--out",
                    str(folder / "r.html"),
                ]
                row = {"code": code, "recording": name, **measure(command, env=env, cwd=folder)}  # not beside a tree
                rows.append(row)
                print(f"explain {name:10s} with {code:12s}: peak {row['peak_mb']:5.0f} MB, {row['seconds']:6.1f} s, "
                      f"first line after {row['first_line_s']:.2f} s, exit {row['exit']}", flush=True)  # fmt: skip
        return rows
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "memory.json")
    parser.add_argument("--hours", type=float, nargs=2, default=[2.0, 12.0], help="lengths of the WAV and FLAC")
    parser.add_argument("--before", default=None, metavar="REV", help="also explain with the code of this revision")
    args = parser.parse_args()
    cli = [str(Path(sys.executable).with_name("catdog-cnn"))]
    rows = []
    with tempfile.TemporaryDirectory(prefix="catdog-memory-") as tmp:
        folder = Path(tmp)
        wav = long_recording(folder / "long.wav", args.hours[0], noise=0.01, subtype="PCM_16")
        flac = long_recording(folder / "long.flac", args.hours[1], noise=0.0, subtype="PCM_16")
        slow = folder / "slow.wav"
        sf.write(slow, 0.3 * np.random.default_rng(1).standard_normal(40_000), 1, subtype="PCM_16")
        files = {
            wav: f"{args.hours[0]:g} h, 16 kHz WAV",
            flac: f"{args.hours[1]:g} h, 16 kHz FLAC",
            slow: "WAV declaring 1 Hz (11 h at 16 kHz)",
        }
        report = folder / "report.html"
        cases = [
            ("predict FILE", wav, ["predict", str(wav)], None),
            ("predict - (standard input)", wav, ["predict", "-"], wav),
            ("explain FILE", wav, ["explain", str(wav), "--out", str(report)], None),
            ("predict FILE", flac, ["predict", str(flac)], None),
            ("explain FILE", flac, ["explain", str(flac), "--out", str(report)], None),
            ("predict FILE", slow, ["predict", str(slow)], None),
        ]
        baseline = measure([sys.executable, "-c", "import tensorflow"])
        print(f"importing TensorFlow alone: peak {baseline['peak_mb']:.0f} MB", flush=True)
        for name, file, command, stdin in cases:
            result = measure(cli + command, stdin)
            row = {"command": name, "recording": files[file], "file_mb": file.stat().st_size / 1e6, **result}
            rows.append(row)
            print(f"{name:28s} {files[file]:36s} {row['file_mb']:7.1f} MB file: peak {row['peak_mb']:6.0f} MB, "
                  f"{row['seconds']:6.1f} s, exit {row['exit']}", flush=True)  # fmt: skip
        compared = []
        if args.before:
            short = folder / "short.wav"
            sf.write(short, sf.read(wav, frames=10 * SAMPLE_RATE)[0], SAMPLE_RATE, subtype="PCM_16")
            compared = before_and_after(args.before, {"10 s WAV": short, files[wav]: wav}, folder)
    lines = ["| command | recording | file (MB) | peak memory (MB) | time (s) |", "|---|---|---|---|---|"]
    lines += [f"| `{r['command']}` | {r['recording']} | {r['file_mb']:.1f} | {r['peak_mb']:.0f} | {r['seconds']:.0f} |"
              for r in rows]  # fmt: skip
    table = "\n".join(lines)
    out = {"rows": rows, "table": table, "tensorflow_import_peak_mb": baseline["peak_mb"], "cpus": os.cpu_count()}
    if compared:
        lines = ["| recording | code | peak memory (MB) | time (s) | first line (s) |", "|---|---|---|---|---|"]
        for r in compared:
            figures = f"{r['peak_mb']:.0f} | {r['seconds']:.1f} | {r['first_line_s']:.2f}"
            lines.append(f"| {r['recording']} | {r['code']} | {figures} |")
        out |= {"explain_before_after": compared, "explain_table": "\n".join(lines), "before": args.before}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(table)


if __name__ == "__main__":
    main()
