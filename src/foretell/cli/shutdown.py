"""The end of a command-line run: its status, without the interpreter's teardown.

When ``run`` returns, the command is over: every file it wrote has been closed (and renamed
into place, for the ledger and the caches), its worker pools have been shut down and joined.
What the interpreter does next, freeing its modules and objects one by one, is work no user
waits for: 0.09-0.16 s after a report on the benchmark's ledgers (a tenth of a cached
report on 100,000 forecasts). ``leave`` runs the exit handlers (``atexit``: those of
multiprocessing and concurrent.futures, and any a caller registered), flushes the standard
streams and ends the process with the status.

It exits the ordinary way (``sys.exit``), teardown and all, when another thread is still
running (it would be joined there) or a tracer or profiler is installed (coverage, cProfile
and the like write their results during the teardown).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from typing import NoReturn


def leave(code: int) -> NoReturn:
    """End the process with status ``code`` (module doc). A standard output that cannot be
    flushed (a full disk) is reported on stderr, status 1; one whose reader has gone (a closed
    pipe) is dropped, as ``run`` drops it."""
    run_handlers = getattr(atexit, "_run_exitfuncs", None)
    if (
        run_handlers is None
        or threading.active_count() > 1
        or sys.gettrace() is not None
        or sys.getprofile() is not None
    ):
        sys.exit(code)
    run_handlers()
    code = _flushed(code)
    os._exit(code)


def _flushed(code: int) -> int:
    """``code`` once stdout and stderr are flushed (1 when stdout cannot be written)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _drop_stdout()
    except OSError as err:
        _drop_stdout()
        _say(f"foretell: standard output: {err.strerror or err}")
        code = code or 1
    except (AttributeError, ValueError):  # no stdout, or a closed one
        pass
    with contextlib.suppress(OSError, AttributeError, ValueError):
        sys.stderr.flush()
    return code


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so that what it held is never written again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        with contextlib.suppress(OSError, AttributeError, ValueError):
            os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)


def _say(line: str) -> None:
    with contextlib.suppress(OSError, AttributeError, ValueError):
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
