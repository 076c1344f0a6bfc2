"""The ``xlink`` command line: one module per group of verbs.

Every command catches :class:`xlink.errors.XlinkError` (and missing files) and
prints a one-line error instead of a traceback.
"""

from __future__ import annotations

import os
import sys

import typer

from xlink.cli._common import run_safely
from xlink.cli.terminology import app as terminology_app

app = typer.Typer(
    name="xlink",
    help="Link text to terminologies and classify text zero-shot.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(terminology_app, name="terminology")


def _version(value: bool) -> None:
    if value:
        from xlink import __version__

        print(f"xlink {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Link text to terminologies and classify text zero-shot."""


def _register_linking() -> None:
    from xlink.cli import linking

    linking.register(app)


def _register_classify() -> None:
    from xlink.cli import classify

    classify.register(app)


def _register_demo() -> None:
    from xlink.cli import demo

    demo.register(app)


def _register_pipeline() -> None:
    from xlink.cli import pipeline

    pipeline.register(app)


def _register_info() -> None:
    from xlink.cli import info

    info.register(app)


_register_linking()
_register_classify()
_register_demo()
_register_pipeline()
_register_info()


def main() -> None:
    """Entry point of the ``xlink`` console script.

    Model loading's per-weight progress bars (transformers, hub) are off unless the user sets
    ``HF_HUB_DISABLE_PROGRESS_BARS=0``: the verbs log their own progress in one line each.
    """
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    sys.exit(run_safely(app))
