"""A derived, checked cache of the CORP consistency bands (``scoring.reliability``).

A group's band is a pure function of its grouped histogram (at most ``MAX_POINTS`` points
``x_j`` with ``n_j`` forecasts each), the level, the number of resamples and the seed, and of
the code that draws it (numpy's Binomial generator, the PAV kernel). Drawing it is most of a
group's diagnostics: 200 resamples of every point. On a project whose resolved forecasts have
not changed (a report run again, or after forecasts on open questions only), every group's
histogram and so its band are what they were, so each band is kept, while ``kept_in`` lasts,
in ``ledger/.index/bands/<key>.band`` and used again:

- the key is the SHA-256 of the points' bytes (``x`` and ``n``, float64), the level, the
  resamples, the seed and ``code_marks()``: this cache's ``FORMAT``, foretell's and numpy's
  versions, and the size and mtime of scipy's ``version.py`` and of the modules that
  compute a band;
- the file is ``MAGIC``, the band's low and high values (float64, ``2 k`` of them for ``k``
  points) and the SHA-256 of the key and those bytes. A file of another size, or whose last
  32 bytes are not that digest, is ignored and the band drawn again (and the file replaced);
  one behind a link is never read or written (``ids.read_bytes``, ``ids.write_cache``).

A band that is used has its file's mtime set to now, and when ``kept_in`` ends, the entries
beyond ``MAX_ENTRIES`` are removed, least recently used first. The cache may be deleted at
any time; without it (a read-only checkout, or outside ``kept_in``) the bands are drawn.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from foretell import __version__, ids
from foretell.checked import module_marks
from foretell.errors import ForetellError
from foretell.scoring import reliability as rel

if TYPE_CHECKING:
    from foretell.home import Home

FORMAT = 1
MAGIC = b"FTBAND1\n"
DIGEST = 32  # bytes of SHA-256
MAX_ENTRIES = 2000  # about 16 KiB each at 1,000 points
SUFFIX = ".band"
_CODE = ("scoring/reliability.py", "scoring/isotonic.py", "band_cache.py")

_ACTIVE: list[Path] = []  # the directory bands are kept in, while ``kept_in`` lasts


def band_directory(home: Home) -> Path:
    return home.ledger / ".index" / "bands"


@contextlib.contextmanager
def kept_in(home: Home) -> Iterator[None]:
    """Bands drawn by ``consistency_band`` in this block (and in processes forked in it)
    are kept in ``home``'s cache and used again; at the end the cache is pruned."""
    where = band_directory(home)
    _ACTIVE.append(where)
    try:
        yield
    finally:
        _ACTIVE.pop()
        prune(where)


def consistency_band(counts: rel.Counts) -> rel.Band:
    """``reliability.consistency_band(counts)``, its points' band from the active cache when
    it holds it (drawn and kept otherwise)."""
    if not _ACTIVE:
        return rel.consistency_band(counts)
    where = _ACTIVE[-1]

    def band_at(
        x: np.ndarray, n: np.ndarray, level: float, resamples: int, seed: int
    ) -> tuple[np.ndarray, np.ndarray]:
        key = band_key(x, n, level, resamples, seed)
        path = where / f"{key}{SUFFIX}"
        kept = read_band(path, key, x.shape[0])
        if kept is not None:
            with contextlib.suppress(OSError):
                os.utime(path)
            return kept
        low, high = rel.points_band(x, n, level, resamples, seed)
        if ids.prepare_cache_dir(where.parent):  # ledger/.index/, then its bands/
            ids.write_cache(path, encode(key, low, high))
        return low, high

    return rel.consistency_band(counts, band_at=band_at)


def band_key(x: np.ndarray, n: np.ndarray, level: float, resamples: int, seed: int) -> str:
    h = hashlib.sha256()
    h.update(code_marks())
    h.update(repr((float(level), int(resamples), int(seed), int(x.shape[0]))).encode())
    h.update(np.ascontiguousarray(x, dtype=np.float64).tobytes())
    h.update(np.ascontiguousarray(n, dtype=np.float64).tobytes())
    return h.hexdigest()


def encode(key: str, low: np.ndarray, high: np.ndarray) -> bytes:
    body = np.concatenate([low, high]).astype(np.float64).tobytes()
    return MAGIC + body + hashlib.sha256(key.encode() + body).digest()


def read_band(path: Path, key: str, k: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(low, high) kept at ``path`` for ``key`` at ``k`` points, or None (missing, a link,
    or not exactly what ``encode`` writes)."""
    try:
        data = ids.read_bytes(path)
    except (OSError, ForetellError):
        return None
    if len(data) != len(MAGIC) + 16 * k + DIGEST or not data.startswith(MAGIC):
        return None
    body = data[len(MAGIC) : -DIGEST]
    if hashlib.sha256(key.encode() + body).digest() != data[-DIGEST:]:
        return None
    values = np.frombuffer(body, dtype=np.float64)
    return values[:k].copy(), values[k:].copy()


def prune(where: Path, keep: int = MAX_ENTRIES) -> None:
    """Remove the least recently used entries beyond ``keep`` (and nothing else)."""
    if not ids.real_dir(where):
        return
    entries: list[tuple[int, str]] = []
    with contextlib.suppress(OSError), os.scandir(where) as found:
        for entry in found:
            if entry.name.endswith(SUFFIX) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    entries.append((entry.stat(follow_symlinks=False).st_mtime_ns, entry.name))
    if len(entries) <= keep:
        return
    entries.sort()
    for _, name in entries[: len(entries) - keep]:
        with contextlib.suppress(OSError):
            os.unlink(where / name)


@functools.cache
def code_marks() -> bytes:
    """What the band's values depend on besides its inputs (module doc), as bytes."""
    marks = [FORMAT, __version__, np.__version__, _scipy_version(), *module_marks(_CODE)]
    return repr(marks).encode()


def _scipy_version() -> object:
    """scipy's installed ``version.py`` (path, size, mtime), found without importing scipy."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("scipy")
        if spec is None or spec.origin is None:
            return None
        version = Path(spec.origin).parent / "version.py"
        st = version.stat()
        return (str(version), st.st_size, st.st_mtime_ns)
    except (OSError, ImportError, ValueError):
        return None
