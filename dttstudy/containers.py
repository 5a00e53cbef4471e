"""Deterministic zip containers (xlsx, docx): fixed member dates, fixed core properties, so the same content
gives the same bytes.

Below every layer (like :mod:`dttstudy.paths`): the cohort template workbook (:mod:`dttstudy.intake.templates`)
and the report's workbooks and Word files (:mod:`dttstudy.reporting`) are saved through it.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

#: The one date written into every zip container (xlsx, docx) and its core properties.
FIXED_TIME = (2000, 1, 1, 0, 0, 0)


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip container (xlsx, docx) in member order with fixed member dates and fixed core-property times
    (created, modified, last printed), so identical content gives identical bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # the writers stamp the save time here
                for tag in (rb"dcterms:created", rb"dcterms:modified", rb"cp:lastPrinted"):
                    body = re.sub(rb"(<" + tag + rb"[^>]*>)[^<]*(</" + tag + rb">)",
                                  rb"\g<1>2000-01-01T00:00:00Z\g<2>", body)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def save_workbook(wb, path) -> Path:
    """Save an openpyxl workbook deterministically: fixed properties and zip dates."""
    from datetime import datetime

    props = wb.properties
    props.created = props.modified = datetime(*FIXED_TIME)
    props.creator = props.lastModifiedBy = "dttstudy"
    buf = io.BytesIO()
    wb.save(buf)
    path = Path(path)
    path.write_bytes(normalise_zip(buf.getvalue()))
    return path
