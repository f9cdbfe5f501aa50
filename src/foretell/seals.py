"""Seals: chain heads recorded in ``ledger/SEALS``, so that a truncated, deleted or rewritten
ledger file is detected from the seal on.

A hash chain per file proves that no entry before the last was edited, inserted or removed;
alone it cannot show that entries were cut off the end, that a whole file was deleted, or
that a file was rewritten with fresh hashes. A seal records, for every ledger file, its
entry count and the sha of its last entry, and for every question file its ``question_sha``.
``verify`` then checks every seal against the files: each sealed file must still exist,
hold at least the sealed count, and hold the sealed sha at that position.

``ledger/SEALS`` is one JSON object per line, append-only and hash-chained like a ledger
file (``seq``, ``prev``, ``sha`` = SHA-256 of the canonical JSON without ``sha`` and
``signature``). A seal may be signed (``seal --sign KEY``): ``ssh-keygen -Y sign`` over the
seal's sha with namespace ``foretell``; when ``ledger/allowed_signers`` exists (the format
of ``ssh-keygen``'s ALLOWED SIGNERS, as git uses it), every seal must carry a signature that
``ssh-keygen -Y verify`` accepts for its ``signer``. Rewriting SEALS itself is then caught
too, unless the forger holds an allowed key. Seals are committed to git with the ledger.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import orjson

from foretell import catalog, ledger
from foretell.errors import ForetellError, Problem
from foretell.home import Home
from foretell.lock import project_lock

SEALS_NAME = "SEALS"
SIGNERS_NAME = "allowed_signers"
NAMESPACE = "foretell"


def seals_path(ledger_dir: Path) -> Path:
    return ledger_dir / SEALS_NAME


def _hash(record: dict[str, Any]) -> str:
    body = {k: v for k, v in record.items() if k not in ("sha", "signature")}
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def chain_head(path: Path) -> tuple[int, str | None]:
    """(number of complete lines, sha at the end of the last one) of a ledger file."""
    data = path.read_bytes()
    end = data.rfind(b"\n")
    if end < 0:
        return 0, None
    count = data.count(b"\n", 0, end + 1)
    start = data.rfind(b"\n", 0, end) + 1
    return count, _line_sha(data[start:end])


def _line_sha(line: bytes) -> str | None:
    if len(line) > ledger.SHA_TAIL_LEN and line.endswith(b'"}'):
        return line[-66:-2].decode("ascii", "replace")
    return None


def read_seals(ledger_dir: Path) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The seals and the problems of the SEALS file's own chain."""
    path = seals_path(ledger_dir)
    if not path.is_file():
        return [], []
    seals: list[dict[str, Any]] = []
    problems: list[Problem] = []
    prev = None
    for number, line in enumerate(path.read_bytes().split(b"\n"), 1):
        if not line:
            continue
        try:
            record = orjson.loads(line)
            if not isinstance(record, dict):
                raise ValueError
        except ValueError:
            problems.append(Problem(path, number, "not a JSON object (the seal was edited)"))
            prev = None
            continue
        if record.get("sha") != _hash(record):
            problems.append(Problem(path, number, "the seal's sha does not match its content"))
        if record.get("seq") != len(seals) + 1 or record.get("prev") != prev:
            problems.append(
                Problem(path, number, "the seal does not follow the one before it (removed, "
                        "inserted or reordered)")
            )  # fmt: skip
        prev = record.get("sha")
        record["_line"] = number
        seals.append(record)
    return seals, problems


def seal(home: Home, by: str, key: Path | None = None) -> dict[str, Any]:
    """Append a seal of the current heads (under the project lock); sign it with ``key``."""
    with project_lock(home.ledger):
        seals, problems = read_seals(home.ledger)
        if problems:
            raise ForetellError(
                f"{problems[0].message}; fix SEALS before adding a seal", problems[0].path
            )
        files = {}
        for path in ledger.ledger_files(home.ledger):
            count, sha = chain_head(path)
            files[path.name] = {"count": count, "sha": sha}
        questions = {}
        for item in catalog.iter_questions(home.forecasts):
            if isinstance(item, Problem):  # sealing without it would vouch for its absence
                raise ForetellError(
                    f"{item.message}; fix the question file before adding a seal",
                    item.path,
                    item.line,
                )
            questions[item.id] = item.sha()
        record: dict[str, Any] = {
            "seq": len(seals) + 1,
            "prev": seals[-1]["sha"] if seals else None,
            "at": ledger.now_at(),
            "by": by,
            "files": files,
            "questions": questions,
        }
        if key is not None:
            record["signer"] = by
        record["sha"] = _hash(record)
        if key is not None:
            record["signature"] = sign(record["sha"], key)
        line = orjson.dumps(record, option=orjson.OPT_SORT_KEYS) + b"\n"
        _append(seals_path(home.ledger), line)
        return record


def _append(path: Path, line: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


# ------------------------------------------------------------------------ signatures


def _ssh_keygen() -> str | None:
    return shutil.which("ssh-keygen")


def sign(message: str, key: Path) -> str:
    """An ``ssh-keygen -Y sign`` signature (armored text) of ``message``."""
    tool = _ssh_keygen()
    if tool is None:
        raise ForetellError("--sign needs ssh-keygen (OpenSSH 8.0 or later) on the PATH")
    if not key.is_file():
        raise ForetellError("no such key file", key)
    done = subprocess.run(
        [tool, "-Y", "sign", "-q", "-f", str(key), "-n", NAMESPACE],
        input=message.encode("ascii"),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0 or not done.stdout:
        why = done.stderr.decode(errors="replace").strip().splitlines()
        raise ForetellError(f"ssh-keygen could not sign: {why[-1] if why else 'failed'}", key)
    return done.stdout.decode("ascii")


def _verify_signature(message: str, signature: str, signer: str, signers: Path) -> bool:
    tool = _ssh_keygen()
    assert tool is not None
    with tempfile.NamedTemporaryFile("w", suffix=".sig", delete=False) as fh:
        fh.write(signature)
    try:
        done = subprocess.run(
            [tool, "-Y", "verify", "-f", str(signers), "-I", signer, "-n", NAMESPACE, "-s",
             fh.name],
            input=message.encode("ascii"),
            capture_output=True,
            check=False,
        )  # fmt: skip
    finally:
        os.unlink(fh.name)
    return done.returncode == 0


def signature_note(home: Home) -> str | None:
    """A note when signatures cannot be checked (allowed_signers present, no ssh-keygen)."""
    if (home.ledger / SIGNERS_NAME).is_file() and _ssh_keygen() is None:
        return "note: ssh-keygen is not on the PATH; seal signatures were not checked"
    return None


# ------------------------------------------------------------------------ checking


def check(home: Home) -> list[Problem]:
    """Problems of the seals: the SEALS chain, signatures, and every sealed head."""
    seals, problems = read_seals(home.ledger)
    if not seals:
        return problems
    path = seals_path(home.ledger)
    signers = home.ledger / SIGNERS_NAME
    if signers.is_file() and _ssh_keygen() is not None:
        for record in seals:
            sig, signer, sha = record.get("signature"), record.get("signer"), record.get("sha")
            if not (isinstance(sig, str) and isinstance(signer, str) and isinstance(sha, str)):
                problems.append(
                    Problem(path, record["_line"], f"seal {record.get('seq')} is not signed, "
                            f"and {SIGNERS_NAME} requires signatures")
                )  # fmt: skip
            elif not _verify_signature(sha, sig, signer, signers):
                problems.append(
                    Problem(path, record["_line"], f"seal {record.get('seq')}: the signature "
                            f"of {signer!r} does not verify against {SIGNERS_NAME}")
                )  # fmt: skip
    wanted: dict[str, dict[int, list[tuple[str | None, dict[str, Any]]]]] = {}
    for record in seals:
        files = record.get("files")
        if not isinstance(files, dict):
            continue
        for name, head in files.items():
            if not (isinstance(head, dict) and type(head.get("count")) is int):
                continue
            wanted.setdefault(name, {}).setdefault(head["count"], []).append(
                (head.get("sha"), record)
            )
    for name, positions in sorted(wanted.items()):
        target = home.ledger / name
        if "/" in name or not name.endswith(ledger.SUFFIX):
            continue
        if not target.is_file():
            last = max(positions)
            record = positions[last][-1][1]
            problems.append(
                Problem(target, None, f"deleted: seal {record['seq']} ({record.get('at')}) "
                        f"recorded this file with {last} entries")
            )  # fmt: skip
            continue
        lines = target.read_bytes().split(b"\n")
        if lines and lines[-1]:
            lines.pop()  # a torn last line is not an entry
        elif lines:
            lines.pop()
        for count, heads in sorted(positions.items()):
            for sha, record in heads:
                seq = record["seq"]
                if count > len(lines):
                    problems.append(
                        Problem(target, None, f"truncated: holds {len(lines)} entries; seal "
                                f"{seq} ({record.get('at')}) recorded {count}")
                    )  # fmt: skip
                elif count and _line_sha(lines[count - 1]) != sha:
                    problems.append(
                        Problem(target, count, f"rewritten: entry {count} is not the one "
                                f"seal {seq} ({record.get('at')}) recorded")
                    )  # fmt: skip
                else:
                    continue
                break
            else:
                continue
            break  # one finding per file: the earliest seal it breaks
    last = seals[-1]
    questions = last.get("questions")
    if isinstance(questions, dict):
        for qid in sorted(questions):
            try:
                qpath = catalog.question_path(home.forecasts, qid)
            except (ForetellError, TypeError):
                continue
            if not qpath.exists():
                problems.append(
                    Problem(qpath, None, f"deleted: seal {last['seq']} ({last.get('at')}) "
                            "recorded this question")
                )  # fmt: skip
    return problems
