"""How the program ends when the engine stops it. The language host interrupts the program (SIGINT) whenever the
update is cancelled, by Ctrl-C or because a resource failed; the engine itself reports why, so the program ends
without printing a Python traceback of its own (KeyboardInterrupt's) under the engine's error."""

from __future__ import annotations

import signal
import sys
from types import FrameType
from typing import NoReturn

EXIT_STATUS = 1


def stop(signum: int, frame: FrameType | None) -> NoReturn:
    sys.exit(EXIT_STATUS)


def end_quietly_when_interrupted() -> None:
    signal.signal(signal.SIGINT, stop)
