"""How the program ends when the engine stops it. The language host interrupts the program (SIGINT) whenever the
update is cancelled, by Ctrl-C or because a resource failed; the engine itself reports why, so the program ends
without printing a Python traceback of its own (KeyboardInterrupt's) under the engine's error."""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType
from typing import NoReturn

EXIT_STATUS = 1


def stop(signum: int, frame: FrameType | None) -> NoReturn:
    """Ends the process at once: unwinding the SDK's event loop (SystemExit) leaves a coroutine that reports its
    own traceback when collected ("Exception ignored in: <coroutine object run_in_stack>")."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(EXIT_STATUS)


def end_quietly_when_interrupted() -> None:
    signal.signal(signal.SIGINT, stop)
