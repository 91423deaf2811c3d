"""The ``hwsdk`` command line: targets, caps, explain, compile, run, doctor.

Registry commands (``targets``, ``caps``, ``doctor``) never import torch; model commands import
it when they load the model. User errors end with a one-line message and a hint on stderr and
exit code 1 (2 for malformed command lines); ``HWSDK_DEBUG=1`` shows the traceback.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import click

from hwsdk.cli.app import cli

__all__ = ["main", "cli", "EXIT_OK", "EXIT_ERROR", "EXIT_USAGE", "EXIT_INTERNAL"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _hint(exc: BaseException) -> str:
    from hwsdk import errors

    hint = getattr(exc, "hint", None)
    if isinstance(hint, str):
        return hint
    table: list[tuple[type[BaseException], str]] = [
        (errors.UnknownTargetError, "`hwsdk targets` lists every target and variant"),
        (errors.PluginLoadError, "`hwsdk doctor` shows the plugin's root cause and traceback"),
        (errors.TargetUnavailableError,
         "`hwsdk explain` plans for a target without its hardware; `--target auto` picks "
         "what is available"),
        (errors.CaptureError, "check that torch.export.export(model, inputs, strict=False) "
                              "works on the model"),
        (errors.UnsupportedDtypeError, "convert the model and inputs to float32"),
        (errors.InvalidArgumentError, "`hwsdk COMMAND --help` lists the options"),
    ]
    for kind, text in table:
        if isinstance(exc, kind):
            return text
    return "set HWSDK_DEBUG=1 for the traceback"


def _fail(message: str, hint: str, code: int) -> int:
    first = message.strip().splitlines()[0] if message.strip() else "failed"
    click.echo(f"hwsdk: error: {first}", err=True)
    click.echo(f"hint: {hint}", err=True)
    return code


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """hwsdk's own warnings as one line on stderr (they say what to do); others as Python
    shows them."""
    text = str(message)
    if text.startswith("hwsdk: "):
        click.echo(f"hwsdk: warning: {text.removeprefix('hwsdk: ')}", err=True)
    else:
        click.echo(warnings.formatwarning(message, category, filename, lineno, line).rstrip(),
                   err=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (the console script exits with it).

    :param argv: the arguments after ``hwsdk``; ``sys.argv[1:]`` when None.
    """
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    from hwsdk.errors import HwsdkError

    debug = os.environ.get("HWSDK_DEBUG") == "1"
    if not debug:  # torch's deprecation chatter is not the user's business
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", module=r"triton(\.|$)")
    try:
        result = cli.main(args=list(argv) if argv is not None else sys.argv[1:],
                          prog_name="hwsdk", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("hwsdk: aborted", err=True)
        return EXIT_ERROR
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code if exc.exit_code else EXIT_USAGE
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except HwsdkError as exc:
        if debug:
            raise
        return _fail(str(exc), _hint(exc), EXIT_ERROR)
    except Exception as exc:
        if debug:
            raise
        return _fail(f"unexpected {type(exc).__name__}: {exc}",
                     "this is a bug in hwsdk or a plugin; set HWSDK_DEBUG=1 for the traceback "
                     "and report it", EXIT_INTERNAL)
    return result if isinstance(result, int) else EXIT_OK

