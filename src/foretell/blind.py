"""Blind mode for teams: on an open question, other forecasters' forecasts stay hidden from
you until you have logged your own, so the first forecast each member makes is their own.

On when ``FORETELL_BLIND`` is 1/true/yes/on (0/false/no/off turns it off whatever the project
says), else when the project's ``foretell.toml`` holds ``blind = true``. Closed questions
(resolved or annulled) are never hidden. Reading only: the ledger files are plain text, so
this is a courtesy against anchoring, not access control.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import tomli

BLIND_ENV = "FORETELL_BLIND"
SETTINGS_FILE = "foretell.toml"
_ON = ("1", "true", "yes", "on")
_OFF = ("0", "false", "no", "off")


def blind_enabled(root: Path) -> bool:
    env = os.environ.get(BLIND_ENV, "").strip().lower()
    if env in _ON:
        return True
    if env in _OFF:
        return False
    path = root / SETTINGS_FILE
    try:
        settings = tomli.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomli.TOMLDecodeError):
        return False
    return settings.get("blind") is True


def hidden_from(forecasts: list[dict[str, Any]], me: str, state: str) -> bool:
    """True when ``me`` must not yet see the others' ``forecasts`` on this question."""
    if state != "open":
        return False
    return not any(e["author"] == me for e in forecasts)


def visible(forecasts: list[dict[str, Any]], me: str) -> list[dict[str, Any]]:
    """The forecasts ``me`` may see while hidden: their own (none, until they log)."""
    return [e for e in forecasts if e["author"] == me]
