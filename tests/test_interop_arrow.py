"""interop.arrow: an import's pyarrow work does not import pandas, and pandas objects given
to pyarrow after pandas is imported convert as they do without it (each case in a fresh
interpreter, since pyarrow keeps what it found once per process)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from test_interop_columns import plain_rows, write_csv


def run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_column_wise_import_does_not_import_pandas(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", plain_rows(500, questions=5))
    out = run(
        f"""
        import sys
        from pathlib import Path
        from foretell.home import init_home
        from foretell.interop import bulk_plan
        from foretell.interop.formats import open_source
        from foretell.interop.load import import_file
        from foretell.interop.source import ImportOptions

        planned = []
        plan = bulk_plan.plan_columns
        bulk_plan.plan_columns = lambda *a, **k: planned.append(1) or plan(*a, **k)
        home = init_home(Path({str(tmp_path / "home")!r}))
        result = import_file(home, open_source("generic", Path({str(path)!r}), ImportOptions()))
        print(result.forecasts, bool(planned), "pandas" in sys.modules)
        """
    )
    assert out == "500 True False"


def test_pandas_objects_convert_as_usual_once_pandas_is_imported() -> None:
    code = """
        import sys
        {prepare}
        import pandas as pd
        import pyarrow as pa

        print(pa.array(pd.Categorical(["x", "y", "x"])).type)
        print(pa.array(pd.Series(["a", None])).to_pylist())
        print("pandas" in sys.modules)
        """
    plain = run(code.format(prepare="import pyarrow as pa; pa.array([0])"))
    after = run(
        code.format(
            prepare="from foretell.interop.arrow import arrow; arrow(); "
            "assert 'pandas' not in sys.modules"
        )
    )
    assert "dictionary" in plain
    assert after == plain


def test_where_pandas_is_imported_already_nothing_is_changed() -> None:
    out = run(
        """
        import sys
        import pandas as pd
        from foretell.interop.arrow import arrow, _Watch

        pa = arrow()
        print(any(isinstance(f, _Watch) for f in sys.meta_path))
        print(pa.array(pd.Categorical(["x"])).type)
        """
    )
    assert out.splitlines()[0] == "False" and "dictionary" in out
