"""A centre's local record of the summaries it released: a defence against differencing.

Cell suppression protects one file. Two files of the same centre protect nobody when their populations differ
by a few patients: subtracting the published cells of the earlier file from those of the later one gives the
added patient's values, although every cell of each file respects K (the README's multicentre section has a
worked example). So ``dttstudy export-summary`` keeps, on the centre's own machine, a record of every summary it
released, and refuses a new one whose patients differ from those of an earlier release of the same centre by
1 … K − 1 patients (K of the new export) — patients added, removed, or whose data changed — unless the centre
passes ``--accept-small-difference``. A difference of 0 (the same data, e.g. other parameters) or of at least K
patients is released.

What the record holds: per release the centre code, K, the summary's content and input hashes, and per patient
two 64-bit salted hashes — of the study id, and of the study id with all of the patient's rows — with a random
salt kept in the record. No id, value or date is stored; the record never leaves the centre. It is a JSON file,
by default ``release-record.json`` in ``$XDG_STATE_HOME/dttstudy`` (``~/.local/state/dttstudy``), or the file
named by ``--release-record`` or the ``DTTSTUDY_RELEASE_RECORD`` environment variable, written atomically.

Every release goes through :func:`release_summary`: the command line, the vantage6 node and a notebook alike
(:func:`dttstudy.export_summary` alone computes a summary and releases nothing).

What it does not cover: releases made on another machine or with another record, releases by other tools, and
differences between two *centres'* files. Those are for the network's governance (one release schedule, one
record per centre).
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from .export import export_summary, write_summary

RECORD_ENV = "DTTSTUDY_RELEASE_RECORD"


def default_record_path() -> Path:
    env = os.environ.get(RECORD_ENV)
    if env:
        return Path(env)
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "dttstudy" / "release-record.json"


class ReleaseRecordError(ValueError):
    """A record that cannot be read (the message says which file)."""


def read_record(path: Path) -> dict:
    if not path.exists():
        return {"written_by": "dttstudy", "salt": secrets.token_hex(16), "releases": []}
    try:
        r = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ReleaseRecordError(f"release record {path} cannot be read ({err}): move it away only if you know "
                                 "that no summary of this centre was released before") from None
    if not (isinstance(r, dict) and r.get("written_by") == "dttstudy" and isinstance(r.get("releases"), list)
            and isinstance(r.get("salt"), str)):
        raise ReleaseRecordError(f"{path} is not a dttstudy release record")
    return r


def _h(salt: str, *parts: str) -> str:
    return hashlib.sha256("\x1f".join((salt,) + parts).encode("utf-8")).hexdigest()[:16]


def fingerprints(cohort, salt: str) -> dict[str, str]:
    """Per patient: salted hash of the study id → salted hash of the id and all of the patient's rows."""
    rows: dict[str, list[str]] = {}
    for name, df in cohort.tables().items():
        text = df.astype(str).agg("\x1f".join, axis=1) if len(df) else []
        for pid, line in zip(df["patient_id"].astype(str), text):
            rows.setdefault(pid, []).append(f"{name}\x1e{line}")
    return {_h(salt, pid): _h(salt, pid, *sorted(lines)) for pid, lines in rows.items()}


def differing_patients(a: dict[str, str], b: dict[str, str]) -> int:
    """Patients in one release and not the other, or in both with other data."""
    return sum(1 for k in set(a) | set(b) if a.get(k) != b.get(k))


@dataclass(frozen=True)
class Difference:
    """An earlier release of the same centre whose patients differ from this one's by 1 … K − 1."""

    release: int
    patients: int
    centre: str | None
    min_cell: int

    def __str__(self) -> str:
        return (f"this cohort differs from release {self.release} of centre {self.centre or '(no code)'} in the "
                f"release record by {self.patients} patient(s), fewer than K = {self.min_cell}: the two summaries "
                f"together would reveal {'that patient' if self.patients == 1 else 'those patients'}")


class ReleaseRefused(ValueError):
    """A release the record refuses: :attr:`differences` lists each earlier release concerned."""

    def __init__(self, differences: list[Difference]):
        self.differences = differences
        super().__init__("; ".join(map(str, differences)))


def check_release(path: Path, cohort, centre: str | None, min_cell: int) -> tuple[dict, dict, list[Difference]]:
    """(record, this release's fingerprints, differences): one :class:`Difference` per earlier release of the
    same centre — whatever its parameters or population selection — whose patients differ from this cohort's by
    1 … K − 1."""
    record = read_record(path)
    fp = fingerprints(cohort, record["salt"])
    problems = []
    for k, r in enumerate(record["releases"], 1):
        if r.get("centre") != centre:
            continue
        d = differing_patients(r.get("patients", {}), fp)
        if 0 < d < min_cell:
            problems.append(Difference(k, d, centre, min_cell))
    return record, fp, problems


@dataclass(frozen=True)
class Release:
    """A summary released: what it is, the file written (if any), and the differences accepted."""

    summary: dict
    path: Path | None
    record: Path
    accepted: list[Difference] = field(default_factory=list)


def release_summary(cohort, *, record, out=None, accept_small_difference: bool = False, **parameters) -> Release:
    """Release a centre's summary: compute it (:func:`export_summary` with ``parameters``), refuse it
    (:class:`ReleaseRefused`, nothing written, nothing recorded) when the patients of its population — the cohort
    restricted to its ``disease`` — differ from those of an earlier release of the same centre in ``record`` by
    1 … K − 1, else write it to ``out`` (if given, atomically) and add it to the record.

    ``accept_small_difference=True`` releases anyway and returns the differences in :attr:`Release.accepted`.
    """
    record = Path(record)
    s = export_summary(cohort, **parameters)
    rec, fp, small = check_release(record, cohort.filter(disease=s["parameters"]["disease"]), s["centre"],
                                   s["disclosure"]["min_cell"])
    if small and not accept_small_difference:
        raise ReleaseRefused(small)
    path = write_summary(s, out) if out is not None else None
    add_release(record, rec, fp, s)
    return Release(s, path, record, small)


def add_release(path: Path, record: dict, fp: dict, summary: dict) -> None:
    """Append the release and write the record atomically."""
    record = dict(record, releases=list(record["releases"]) + [{
        "centre": summary.get("centre"), "min_cell": summary["disclosure"]["min_cell"],
        "content_sha256": summary.get("content_sha256"), "input_sha256": summary.get("input_sha256"),
        "n_patients": len(fp), "patients": fp}])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(json.dumps(record, indent=0, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
