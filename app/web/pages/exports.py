"""Lists of the pages as CSV (UTF-8 with a byte-order mark, so Excel reads Thai) or Excel files."""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from flask import Response

FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_response(filename: str, sheet: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                   fmt: str) -> Response:
    """`rows` under `columns` as `filename`.csv or `filename`.xlsx (a download)."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows(rows)
        body = "\ufeff" + out.getvalue()  # Excel opens Thai text correctly with the byte-order mark
        return Response(body.encode("utf-8"), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})
    from openpyxl import Workbook

    book = Workbook()
    sheet_ = book.active
    sheet_.title = sheet[:31]  # Excel's limit on a sheet's name
    sheet_.append(list(columns))
    for row in rows:
        sheet_.append([v if v is None or isinstance(v, (int, float)) else str(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return Response(out.getvalue(), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{filename}.xlsx"'})
