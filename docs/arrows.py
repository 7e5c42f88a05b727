"""Count the import arrows of the package: between its files, and between its wings; say whether any runs back.

An arrow is one file importing another of the package (at the top or inside a function). The allowed direction
between wings is ``ALLOWED``: ``serve`` imports only ``sound``; ``nets`` imports ``sound`` and ``serve``; ``look``
and ``anchors`` may import every other wing. ``config``, ``_quiet`` and ``_keras`` at the top are shared by all.

Usage: python docs/arrows.py [PACKAGE_DIR]   (default: the catdog_cnn beside this folder)
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

SHARED = {"config", "_quiet", "_keras", "__init__", "models"}
ALLOWED = {
    "sound": set(),
    "serve": {"sound"},
    "nets": {"sound", "serve"},
    "look": {"sound", "serve", "nets"},
    "anchors": {"sound", "serve", "nets", "look"},
    "cli": {"sound", "serve", "nets"},
}


def module_name(path: Path, package: Path) -> str:
    parts = list(path.relative_to(package).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "__init__"


def arrows(package: Path) -> set[tuple[str, str]]:
    """(importer, imported) pairs of module names below the package, for every import of the package."""
    modules = {module_name(p, package): p for p in package.rglob("*.py")}
    found = set()
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        here = name.split(".") if is_package else name.split(".")[:-1]
        if name == "__init__":
            here = []
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here[: len(here) - (node.level - 1)]
                    stem = ".".join(base + ([node.module] if node.module else []))
                elif (node.module or "").startswith("catdog_cnn"):
                    stem = node.module.removeprefix("catdog_cnn").lstrip(".")
                else:
                    continue
                for alias in node.names:
                    full = f"{stem}.{alias.name}" if stem else alias.name
                    targets.append(full if full in modules else stem)
            elif isinstance(node, ast.Import):
                targets = [a.name.removeprefix("catdog_cnn.") for a in node.names if a.name.startswith("catdog_cnn.")]
            for target in targets:
                if target and target in modules and target != name:
                    found.add((name, target))
    return found


def wing(module: str) -> str:
    head = module.split(".")[0]
    return "shared" if head in SHARED else head


def main(package: Path) -> int:
    pairs = arrows(package)
    files = {a for pair in pairs for a in pair}
    print(f"{len(pairs)} import arrows between {len(files)} files of {package}")
    between = Counter((wing(a), wing(b)) for a, b in pairs if wing(a) != wing(b) and "shared" not in (wing(a), wing(b)))
    back = []
    for (a, b), n in sorted(between.items()):
        ok = a not in ALLOWED or b in ALLOWED.get(a, set())
        print(f"  {a:8s} -> {b:8s} {n:3d}{'' if ok else '   runs back'}")
        if not ok:
            back.append((a, b))
    print("none runs back" if not back else f"{len(back)} wing pairs run back")
    return 1 if back else 0


if __name__ == "__main__":
    default = Path(__file__).resolve().parent.parent / "catdog_cnn"
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else default))
