"""CSV cells a spreadsheet would run as a formula, made inert (OWASP "CSV injection").

Every CSV the service writes goes through :func:`csv_cell` (row writers) or :func:`safe_frame`
(pandas tables). The rule is OWASP's: a *text* cell that begins with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return gets a single quote in front, so Excel, LibreOffice and Google Sheets
show it as text. Numbers are written as numbers: a genuine negative figure in a numeric column
(an int or float, e.g. a gap of -3.2 percentage points or a longitude west of Greenwich) is not a
formula and keeps its minus sign, while the text "-3.2" in a text column is quoted like any other
text starting with ``-``.
"""

from __future__ import annotations

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """``value`` as written to a CSV cell: text that would start a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells, column names and index labels pass :func:`csv_cell`
    (numeric columns untouched), for ``DataFrame.to_csv``."""
    out = frame.copy()
    for column in out.columns:
        if _textual(out[column].dtype):
            out[column] = out[column].map(csv_cell)
    out.columns = [csv_cell(c) for c in out.columns]
    if _textual(out.index.dtype):
        out.index = pd.Index([csv_cell(v) for v in out.index], name=out.index.name)
    return out


def _textual(dtype) -> bool:
    return pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
