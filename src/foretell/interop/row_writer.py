"""Pass 2 of an import, row by row: spooled forecasts and planned closings appended as
ledger entries under the import's ``ledger.AppendSession`` (the column-wise path is
``bulk.ColumnWriter``).

Each forecast takes its question's final option order and sha; an entry the ledger already
holds (by ``fingerprints.entry_key``) is skipped when the import asks for it. Entries of
foretell's own format keep their times and are restored unmarked, unless the chain already
holds a later entry: then they are marked ``imported: "foretell"`` (``RESTORED``), so each
chain stays in time order. Closings of other formats are appended after all forecasts.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

import orjson

from foretell import ledger
from foretell.interop.fingerprints import closing_body, entry_key
from foretell.interop.plan import Final
from foretell.interop.progress import Progress
from foretell.interop.source import ImportSource

RESTORED = "foretell"  # the mark of a restored entry that joins a chain with later entries


class Writer:
    """Pass 2: turn spooled forecasts and planned closings into ledger entries."""

    def __init__(
        self,
        source: ImportSource,
        finals: dict[str, Final],
        session: ledger.AppendSession,
        skip_keys: set[int],
    ) -> None:
        self.source = source
        self.session = session
        self.skip_keys = skip_keys
        self.imported = None if source.verbatim else source.name
        self.info = {
            qid: (
                tuple(f.question.options) if f.question.options else None,
                f.sha,
                not f.created,
            )
            for qid, f in finals.items()
        }
        self.pending: dict[str, deque[dict[str, Any]]] = {
            qid: deque(f.closings) for qid, f in finals.items() if f.closings
        }
        self.new_sha: dict[str, str] = {}
        self.forecasts = 0
        self.closings = 0
        self.claims = 0
        self.skipped = 0

    def run(self, spool: Iterable[bytes], progress: Progress) -> None:
        """Append each spooled forecast (and, for foretell's format, each closing in its
        place)."""
        info, append, imported, skip_keys = (
            self.info,
            self.session.append,
            self.imported,
            self.skip_keys,
        )
        loads = orjson.loads
        count = 0
        for line in spool:
            item = loads(line)
            if len(item) == 1:
                self._verbatim_closing(item[0])
                continue
            author, question, at, payload, note, mark, question_sha = item
            options, sha, reused = info[question]
            if options is not None:  # the question's final option order
                probs = payload["probs"]
                payload = {"probs": {o: probs[o] for o in options}}
            if (
                reused
                and skip_keys
                and entry_key(author, question, "forecast", at, payload) in skip_keys
            ):
                self.skipped += 1
                continue
            entry: dict[str, Any] = {
                "at": at,
                "kind": "forecast",
                "question": question,
                "question_sha": question_sha or sha,
                **payload,
            }
            if note:
                entry["note"] = note
            if imported is not None:
                entry["imported"] = imported
            elif mark:
                entry["imported"] = mark
            elif self.session.goes_back(author, at):
                entry["imported"] = RESTORED
            append(author, entry)
            count += 1
            if not count & 4095:
                progress.update(count, count)
        self.forecasts = count

    def _verbatim_closing(self, question: str) -> None:
        planned = self.pending[question].popleft()
        if "amends" in planned:
            planned["amends"] = self.new_sha.get(planned["amends"], planned["amends"])
        old_sha = planned.pop("_sha", None)
        full = self._append_closing(planned)
        if full is not None and old_sha:
            self.new_sha[old_sha] = full["sha"]

    def finish(self) -> None:
        """Append the closings of formats other than foretell's (after all forecasts)."""
        if self.source.verbatim:
            return
        for queue in self.pending.values():
            while queue:
                planned = queue.popleft()
                if self.imported:
                    planned.setdefault("imported", self.imported)
                self._append_closing(planned)

    def _append_closing(self, planned: dict[str, Any]) -> dict[str, Any] | None:
        author = planned["author"]
        entry = {k: v for k, v in planned.items() if k not in ("author", "_line", "_sha")}
        question = entry["question"]
        if (
            self.skip_keys
            and self.info[question][2]
            and entry_key(author, question, entry["kind"], entry["at"], closing_body(entry))
            in self.skip_keys
        ):
            self.skipped += 1
            return None
        if entry["kind"] == "claim":
            self.claims += 1
        else:
            self.closings += 1
        if not entry.get("imported") and self.session.goes_back(author, entry["at"]):
            entry["imported"] = RESTORED
        return self.session.append(author, entry)
