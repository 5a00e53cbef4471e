"""One cohort split into one cohort folder per centre: a trial run of the multicentre path (each folder goes
through ``dttstudy export-summary`` as a centre would, and ``dttstudy pool`` pools the summaries).

The split keeps every row of each centre's patients in the four tables, writes them as the template's CSV files
(booleans as ``true``/``false``) and names each folder after its centre code, made safe for a file name (letters,
digits, ``_``, ``.``, ``-``; two codes that would give the same name are refused). A synthetic cohort stays marked
as synthetic in every folder. The folders are written into a temporary folder beside ``out`` and moved into
place only when all are written; an existing ``out`` is never touched.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from .cohort import Cohort
from .synth import SYNTHETIC_MARKER, text_booleans

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def centre_folders(cohort: Cohort) -> dict[str, str]:
    """Centre code -> folder name (ValueError when two codes would share a name, or a code gives none)."""
    names: dict[str, str] = {}
    for code in sorted(set(cohort.patients["center"].astype(str))):
        name = _SAFE.sub("_", code).strip("._") or ""
        if not name:
            raise ValueError(f"centre code {code!r} gives no usable folder name")
        if name in names.values():
            raise ValueError(f"centre codes {code!r} and {next(k for k, v in names.items() if v == name)!r} "
                             f"would share the folder name {name!r}")
        names[code] = name
    return names


def split_by_centre(cohort: Cohort, out: str | Path) -> dict[str, int]:
    """Write one cohort folder per centre under ``out`` (which must not exist); returns folder -> patients."""
    out = Path(out)
    if out.exists():
        raise FileExistsError(f"{out} already exists: nothing was written; choose a new folder")
    names = centre_folders(cohort)
    tmp = out.with_name(f".{out.name}.split-tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    counts = {}
    try:
        for code, name in names.items():
            ids = list(cohort.patients.loc[cohort.patients["center"].astype(str) == code, "patient_id"])
            sub = cohort.filter(patients=ids)
            folder = tmp / name
            folder.mkdir(parents=True)
            for table, df in sub.tables().items():
                text_booleans(df).to_csv(folder / f"{table}.csv", index=False, float_format="%.10g",
                                         lineterminator="\n")
            if cohort.provenance.get("synthetic"):
                (folder / SYNTHETIC_MARKER).write_text('{"synthetic": true, "split_from": "dttstudy synth"}\n',
                                                       encoding="utf-8")
            counts[name] = len(ids)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return counts
