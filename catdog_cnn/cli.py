"""The ``catdog-cnn`` command line. Each wing adds its commands (``sound.commands``: fetch-data, fetch-weights;
``nets.commands``: train, tune, evaluate, export-litert, prepare; ``serve.commands``: predict, explain,
export-web); here they are gathered, and errors become one line."""

from __future__ import annotations

import argparse
import sys

from .config import DATA_ENV, DEFAULT_DATA_DIR, CatDogError
from .sound.inputs import printable

__all__ = ["main", "build_parser", "TRAINING_MODULES"]

# What the training extra installs: a command that imports one of them without it gets one line naming the extra
TRAINING_MODULES = ("tensorflow", "keras", "sklearn", "keras_tuner", "tensorboard")

DESCRIPTION = f"""\
Tell cat sounds from dog sounds with a 1-D CNN that reads the raw 16 kHz waveform.

The dataset is found in this order: --data-dir, the environment variable
{DATA_ENV}, then {DEFAULT_DATA_DIR}.
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``catdog-cnn`` and its commands (each wing adds its own)."""
    from .nets.commands import add_commands as nets_commands
    from .serve.commands import add_commands as serve_commands
    from .sound.commands import add_commands as sound_commands

    parser = argparse.ArgumentParser(
        prog="catdog-cnn", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for add_commands in (sound_commands, nets_commands, serve_commands):
        add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CatDogError as err:
        print(printable(str(err)), file=sys.stderr)
        return 1
    except ModuleNotFoundError as err:
        if (err.name or "").split(".")[0] not in TRAINING_MODULES:
            raise
        print(f"catdog-cnn {args.command}: needs {err.name}, which this install lacks; install the training extra: "
              "pip install 'catdog-cnn[train]'", file=sys.stderr)  # fmt: skip
        return 1
    except KeyboardInterrupt:
        print(f"\ncatdog-cnn {args.command}: interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
