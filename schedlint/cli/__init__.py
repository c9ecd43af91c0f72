"""The `schedlint` command line: parses options and calls the library; the only code that prints or exits.

Each command lives in its own module and registers itself on the app (imports stay light: each
command imports what it needs inside its function).
"""

from __future__ import annotations

import sys

import typer

from schedlint.cli import check as _check, fix as _fix, hook as _hook, inspect as _inspect, views as _views  # noqa: F401
from schedlint.cli.app import EXIT_ERROR, app, readable_metavars

readable_metavars(app)


def _terminate(signum, frame) -> None:  # pragma: no cover - exercised by the hostile tests
    raise SystemExit(128 + signum)  # unwinds: temp files are removed by their `finally` blocks


def main() -> None:
    """Console-script entry point."""
    import signal

    try:
        signal.signal(signal.SIGTERM, _terminate)
    except (ValueError, OSError, AttributeError):  # not the main thread, or no SIGTERM here
        pass
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        typer.echo("interrupted", err=True)
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # the last resort: never a traceback, always exit 2
        from schedlint.cli.app import escape

        typer.echo(f"schedlint: internal error: {escape(f'{type(exc).__name__}: {exc}')[:2000]} (a bug in schedlint; "
                   "please report it)", err=True)
        sys.exit(EXIT_ERROR)


__all__ = ["app", "main"]
