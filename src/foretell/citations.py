"""Cited documents: which local documents the questions and claims cite, and whether they exist.

A source's ``document`` (a question's ``[[sources]]``, a claim's ``source``) is either a URL
(``http://`` or ``https://``, never checked) or a local document named by its path or file
name. Local documents are looked for, in order, relative to the project root, in the
project's ``documents/`` directory, and in each directory listed in ``FORETELL_DOCUMENTS``
(separated by ``os.pathsep``), e.g. ``FORETELL_DOCUMENTS=../shared/seeds``. When none of the
directories exists there is nowhere to look, and nothing is checked.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from foretell.home import Home

DOCUMENTS_ENV = "FORETELL_DOCUMENTS"
DOCUMENTS_DIR = "documents"


def is_url(document: str) -> bool:
    return document.startswith(("http://", "https://"))


def document_dirs(home: Home) -> list[Path]:
    """The directories local documents are looked for in (those that exist)."""
    dirs = [home.root / DOCUMENTS_DIR]
    for item in os.environ.get(DOCUMENTS_ENV, "").split(os.pathsep):
        if item.strip():
            path = Path(item.strip()).expanduser()
            dirs.append(path if path.is_absolute() else home.root / path)
    return [d for d in dirs if d.is_dir()]


def find_document(home: Home, document: str, dirs: Iterable[Path]) -> Path | None:
    """Where a local document is, or None."""
    candidates = [home.root / document, *(d / document for d in dirs)]
    return next((c for c in candidates if c.is_file()), None)


def missing(home: Home, documents: Iterable[str]) -> set[str] | None:
    """The local documents among ``documents`` that exist nowhere; None when there is no
    documents directory to look in (nothing can be checked)."""
    dirs = document_dirs(home)
    if not dirs:
        return None
    local = {d for d in documents if d and not is_url(d)}
    return {d for d in local if find_document(home, d, dirs) is None}
