"""``foretell export --format parquet DIR``: the ledger as a Parquet dataset for other tools.

Layout (DuckDB, Polars, Spark, pandas/pyarrow read it directly)::

    DIR/questions.parquet               one row per question file
    DIR/outcomes.parquet                one row per closed question (its final resolution or
                                        annulment)
    DIR/forecasts/question=<id>/*.parquet   every forecast, partitioned by question (Hive
                                        style: the ``question`` column comes from the path)

Columns. questions: ``id``, ``title``, ``type``, ``opened``, ``resolve_by``, ``period_start``
(dates), ``tags``, ``options`` (lists of text), ``unit``, ``range_low``, ``range_high``,
``thresholds`` (list of numbers), ``sha``. outcomes: ``question``, ``status`` (resolved |
annulled), ``outcome`` (text: yes/no, the option, or the number as written), ``value`` (the
number, for numeric and probability outcomes), ``resolved_on`` (date), ``author``, ``at``
(UTC timestamp). forecasts: ``author``, ``seq``, ``at`` (UTC timestamp), ``question_sha``,
``p`` (binary; null otherwise), ``probs`` (map option -> probability), ``quantiles`` (map
level -> value), ``note``, ``imported``, and ``question``. The dataset is written into a new
directory beside DIR and renamed into place, so DIR is whole or absent.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from foretell.errors import ForetellError
from foretell.home import Home


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def write_parquet(home: Home, target: Path) -> dict[str, int]:
    """Write the dataset to ``target`` (which must not exist); rows written per table."""
    import duckdb

    from foretell.engine import open_ledger

    if target.exists():
        raise ForetellError("already exists; export into a new directory", target)
    parent = target.parent
    if not parent.is_dir():
        raise ForetellError("directory does not exist", parent)
    book = open_ledger(home)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    try:
        q = book.questions
        questions = pa.table(
            {
                "id": pa.array([str(v) for v in q["id"]]),
                "title": pa.array([str(v) for v in q["title"]]),
                "type": pa.array([str(v) for v in q["type"]]),
                "opened": pa.array(q["opened"].dt.date, pa.date32()),
                "resolve_by": pa.array(q["resolve_by"].dt.date, pa.date32()),
                "period_start": pa.array(
                    [None if v is None or v != v else v.date() for v in q["period_start"]],
                    pa.date32(),
                ),
                "tags": pa.array([list(t) for t in q["tags"]], pa.list_(pa.string())),
                "options": pa.array(
                    [list(o) if o is not None else None for o in q["options"]],
                    pa.list_(pa.string()),
                ),
                "unit": pa.array([None if u is None else str(u) for u in q["unit"]], pa.string()),
                "range_low": pa.array(q["range_low"].to_numpy(dtype=np.float64)),
                "range_high": pa.array(q["range_high"].to_numpy(dtype=np.float64)),
                "thresholds": pa.array(
                    [[float(t) for t in ts] for ts in q["thresholds"]], pa.list_(pa.float64())
                ),
                "sha": pa.array([str(v) for v in q["sha"]]),
            }
        )
        pq.write_table(questions, tmp / "questions.parquet")
        o = book.outcomes
        outcomes = pa.table(
            {
                "question": pa.array([str(v) for v in o["question"]], pa.string()),
                "status": pa.array([str(v) for v in o["status"]], pa.string()),
                "outcome": pa.array(
                    [None if v is None else str(v) for v in o["outcome"]], pa.string()
                ),
                "value": pa.array(
                    [
                        float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None
                        for v in o["outcome"]
                    ],
                    pa.float64(),
                ),
                "resolved_on": pa.array(
                    [None if v != v else v.date() for v in o["resolved_on"]], pa.date32()
                ),
                "author": pa.array([str(v) for v in o["author"]], pa.string()),
                "at": pa.array(o["at"], pa.timestamp("us", tz="UTC")),
            }
        )
        pq.write_table(outcomes, tmp / "outcomes.parquet")
        rows = 0
        if book.files:
            con = duckdb.connect(config={"memory_limit": "2GB"})
            con.execute(f"SET temp_directory = '{_sql_text(tempfile.gettempdir())}'")
            con.register("catalog", pa.table({"question": questions.column("id")}))
            files = "[" + ", ".join(f"'{_sql_text(f)}'" for f in book.files) + "]"
            select = (
                'SELECT f.author, f.seq, f."at", f.question_sha, '
                "CASE WHEN isnan(f.p) THEN NULL ELSE f.p END AS p, "
                "CAST(CAST(f.probs AS JSON) AS MAP(VARCHAR, DOUBLE)) AS probs, "
                "CAST(CAST(f.quantiles AS JSON) AS MAP(DOUBLE, DOUBLE)) AS quantiles, "
                "json_extract_string(f.note, '$') AS note, "
                "json_extract_string(f.imported, '$') AS imported, f.question "
                f"FROM read_parquet({files}) f JOIN catalog c ON f.question = c.question"
            )
            out = _sql_text(str(tmp / "forecasts"))
            con.execute(f"COPY ({select}) TO '{out}' (FORMAT PARQUET, PARTITION_BY (question))")
            rows = int(con.sql(f"SELECT count(*) FROM ({select})").fetchall()[0][0])
            con.close()
        else:
            (tmp / "forecasts").mkdir()
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {"questions": questions.num_rows, "outcomes": outcomes.num_rows, "forecasts": rows}
