"""Synthetic cohorts: schema-valid, realistic, reproducible from a seed — for benchmarks and for trying the
pipeline without patient data. They are *not* derived from the reference cohort and carry no real patient.

Distributions (all independent unless stated):

* disease UC 45 % / CD 55 %; sex female 55 %; indication refractory 85 %, active EIM 10 %, IMID 5 %;
* age at diagnosis log-normal (median 24 y CD, 30 y UC, clipped 6–75); disease duration gamma (mean 9 y,
  0.5–40); follow-up before DTT 20–100 % of the duration;
* Montreal: UC E1/E2/E3 10/35/55 %; CD L1/L2/L3 30/20/50 % (+L4 10 %), B1/B2/B3 50/30/20 %, perianal 25 %;
  abdominal surgery CD none/ileal/ileocolonic/colonic 45/25/25/5 %, UC colectomy-free except 3 % colonic;
* failed biologics Poisson(1.4), failed immunosuppressants Poisson(1.1), both capped at 6;
* regimen from ten common pairs (UST+VDZ 30 %, UST+TOF 15 %, UST+UPA 10 %, ADA+VDZ, IFX+VDZ 8 % each,
  VDZ+TOF, IFX+UST 7 % each, ADA+UST, UPA+VDZ, RZB+VDZ 5 % each); corticosteroid at start 35 %, stopped
  after 1–4 months in 85 % of them;
* time on DTT: data cut-off uniform 2–24 months; discontinuation exponential (hazard 0.035/month) — no response
  40 %, adverse event 25 %, de-escalation 25 %, other 10 %;
* visits at 0, 3, 6, 9, 12, 18 and 24 months (± 0.5 month jitter after baseline) up to the end of DTT, each
  follow-up visit missing with probability 10 %; 30 % of discontinued patients have one visit off DTT;
* latent responders 70 %: their activity scores, CRP and albumin improve over time, the others' barely move;
  10 % of CD patients start with HBI ≤ 4; endoscopy at baseline and at 6 or 12 months in 50 %; Limberg in 30 %
  of CD patients;
* optional markers (:data:`dttstudy.concepts.LABS`), recorded unevenly as centres record them: faecal
  calprotectin by centres A and B (every patient) and for 40 % of the other centres' patients, log-normal at
  baseline (median 900 µg/g, responders falling by up to 85 %), missing at 15 % of visits; haemoglobin for 80 %
  of patients, normal at baseline (mean 118 g/L, SD 14; responders rising by up to 15 g/L), missing at 10 % of
  visits. They are drawn from a generator of their own, so the other columns are those of earlier versions;
* adverse events: 0, 1 or 2 per patient (75 / 20 / 5 %), onset uniform over the DTT course, 8 % serious.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .raw_files import DAMAGED_ZIP

REGIMENS = [("UST", "VDZ", .30), ("UST", "TOF", .15), ("UST", "UPA", .10), ("ADA", "VDZ", .08),
            ("IFX", "VDZ", .08), ("VDZ", "TOF", .07), ("IFX", "UST", .07), ("ADA", "UST", .05),
            ("VDZ", "UPA", .05), ("RZB", "VDZ", .05)]
AE_TERMS = np.array(["upper respiratory infection", "arthralgia", "rash", "headache", "herpes zoster",
                     "Clostridioides difficile infection", "elevated liver enzymes", "alopecia", "acne",
                     "pneumonia"])
AUTOIMMUNE = np.array(["psoriasis", "ankylosing spondylitis", "primary sclerosing cholangitis", "uveitis",
                       "rheumatoid arthritis"])
NEXT = np.array(["UST", "VDZ", "UPA", "surgery", "IFX", "other"])
SCHEDULE = np.array([0, 3, 6, 9, 12, 18, 24], dtype=float)


def synth_cohort(n_patients: int, seed: int = 0, *, optional_labs: bool = True) -> dict[str, pd.DataFrame]:
    """The four tables of a synthetic cohort of ``n_patients`` (vectorised; 1M patients take seconds).

    ``optional_labs=False`` leaves out the optional laboratory columns (a centre that records only the paper's).

    >>> t = synth_cohort(50, seed=1)
    >>> sorted(t)
    ['adverse_events', 'patients', 'treatments', 'visits']
    >>> "calprotectin" in synth_cohort(5, optional_labs=False)["visits"]
    False
    """
    rng = np.random.default_rng(seed)
    n = int(n_patients)
    width = max(4, len(str(n)))
    ids = np.char.add("S", np.char.zfill(np.arange(1, n + 1).astype(str), width))
    cd = rng.random(n) < 0.55
    disease = np.where(cd, "CD", "UC")

    # patients
    age = np.clip(np.exp(rng.normal(np.log(np.where(cd, 24, 30)), 0.35)), 6, 75).round(0)
    duration = np.clip(rng.gamma(3.0, 3.0, n), 0.5, 40).round(1)
    fu_before = np.floor(duration * 12 * rng.uniform(0.2, 1.0, n))
    extent = rng.choice(["E1", "E2", "E3"], n, p=[.10, .35, .55])
    loc = rng.choice(["L1", "L2", "L3"], n, p=[.30, .20, .50])
    loc = np.where(rng.random(n) < 0.10, np.char.add(loc, "+L4"), loc)
    beh = rng.choice(["B1", "B2", "B3"], n, p=[.50, .30, .20])
    perianal = cd & (rng.random(n) < 0.25)
    montreal_cd = np.char.add(np.char.add(loc, " "), beh)
    montreal_cd = np.where(perianal, np.char.add(montreal_cd, " p"), montreal_cd)
    montreal = np.where(cd, montreal_cd, extent)
    surg = np.where(cd, rng.choice(["none", "ileal", "ileocolonic", "colonic"], n, p=[.45, .25, .25, .05]),
                    np.where(rng.random(n) < 0.03, "colonic", "none"))
    autoimmune = np.where(rng.random(n) < 0.2, rng.choice(AUTOIMMUNE, n), "")
    patients = pd.DataFrame({
        "patient_id": ids, "center": rng.choice(["A", "B", "C", "D"], n), "sex": np.where(rng.random(n) < .55,
                                                                                            "F", "M"),
        "disease": disease, "age_at_diagnosis": age, "disease_duration": duration, "followup_before_dtt": fu_before,
        "montreal": montreal, "abdominal_surgery": surg, "perianal_surgery": perianal & (rng.random(n) < 0.6),
        "autoimmune_disease": autoimmune, "failed_biologics": np.minimum(rng.poisson(1.4, n), 6),
        "failed_immunomodulators": np.minimum(rng.poisson(1.1, n), 6),
        "indication": rng.choice(["refractory", "eim", "imid"], n, p=[.85, .10, .05]),
    })

    # treatments
    reg = rng.choice(len(REGIMENS), n, p=[r[2] for r in REGIMENS])
    a1 = np.array([r[0] for r in REGIMENS])[reg]
    a2 = np.array([r[1] for r in REGIMENS])[reg]
    cutoff = rng.uniform(2, 24, n)
    stop_time = rng.exponential(1 / 0.035, n)
    discontinued = stop_time < cutoff
    dtt = np.maximum(np.round(np.where(discontinued, stop_time, cutoff) * 2) / 2, 0.5)
    reason = np.where(discontinued, rng.choice(["no_response", "adverse_event", "de_escalation", "other"], n,
                                               p=[.40, .25, .25, .10]), "")
    steroid = rng.random(n) < 0.35
    steroid_stop = np.where(steroid & (rng.random(n) < 0.85), rng.integers(1, 5, n).astype(float), np.nan)
    treatments = pd.DataFrame({
        "patient_id": ids, "agent_1": a1, "agent_2": a2, "dtt_months": dtt,
        "status": np.where(discontinued, "discontinued", "maintained"), "stop_reason": reason,
        "next_therapy": np.where(discontinued, rng.choice(NEXT, n), ""), "steroid_at_start": steroid,
        "steroid_stop_month": steroid_stop,
    })

    # visits: every scheduled month up to the end of DTT, some missing, some jittered
    k = len(SCHEDULE)
    pid = np.repeat(np.arange(n), k)
    month = np.tile(SCHEDULE, n) + np.where(np.tile(SCHEDULE, n) > 0, rng.uniform(-0.5, 0.5, n * k), 0)
    month = np.round(month, 1)
    keep = (month <= dtt[pid]) & ((np.tile(SCHEDULE, n) == 0) | (rng.random(n * k) > 0.10))
    pid, month = pid[keep], month[keep]
    on_dtt = np.ones(len(pid), dtype=bool)
    off = discontinued & (rng.random(n) < 0.30)
    off_ids = np.flatnonzero(off)
    pid = np.concatenate([pid, off_ids])
    month = np.concatenate([month, np.round(dtt[off_ids] + rng.uniform(1, 4, len(off_ids)), 1)])
    on_dtt = np.concatenate([on_dtt, np.zeros(len(off_ids), dtype=bool)])
    order = np.lexsort((month, pid))
    pid, month, on_dtt = pid[order], month[order], on_dtt[order]
    month, first = _dedupe_months(pid, month)
    on_dtt = month <= dtt[pid]
    m = len(pid)
    responder = rng.random(n) < 0.7
    frac = np.clip(month / 6, 0, 1)                     # improvement reaches its plateau by 6 months
    gain = np.where(responder[pid], frac * rng.uniform(0.5, 0.9, m), frac * rng.uniform(-0.1, 0.2, m))
    is_cd = cd[pid]
    low_hbi = cd & (rng.random(n) < 0.10)
    hbi0 = np.where(low_hbi, rng.integers(2, 5, n), rng.integers(5, 17, n))
    pm0 = rng.integers(5, 10, n)
    rb0 = np.minimum(rng.integers(1, 4, n), pm0)
    hbi = np.where(is_cd, np.round(hbi0[pid] * (1 - gain)), np.nan)
    pm = np.where(~is_cd, np.clip(np.round(pm0[pid] * (1 - gain)), 0, 9), np.nan)
    rb = np.where(~is_cd, np.minimum(np.clip(np.round(rb0[pid] * (1 - gain)), 0, 3), pm), np.nan)
    endo = rng.random(n) < 0.5
    endo_month = np.where(rng.random(n) < 0.5, 6.0, 12.0)
    scope = endo[pid] & ((month == 0) | (np.abs(month - endo_month[pid]) <= 0.5))
    mes0 = rng.integers(2, 4, n)
    ses0 = rng.integers(6, 31, n)
    mes = np.where(scope & ~is_cd, np.clip(np.round(mes0[pid] * (1 - gain)), 0, 3), np.nan)
    ses = np.where(scope & is_cd, np.round(ses0[pid] * (1 - gain)), np.nan)
    has_lim = cd & (rng.random(n) < 0.30)
    lim0 = rng.integers(2, 5, n)
    lim = np.where(has_lim[pid], np.clip(np.round(lim0[pid] * (1 - gain)), 0, 4), np.nan)
    crp0 = np.exp(rng.normal(np.log(12), 0.8, n))
    crp = np.round(np.clip(crp0[pid] * (1 - gain) * np.exp(rng.normal(0, 0.15, m)), 0, 300), 2)
    crp = np.where(rng.random(m) < 0.05, np.nan, crp)
    alb0 = rng.normal(37, 4, n)
    alb = np.round(np.clip(alb0[pid] + 6 * gain + rng.normal(0, 1, m), 15, 55), 1)
    alb = np.where(rng.random(m) < 0.05, np.nan, alb)
    visits = pd.DataFrame({
        "patient_id": ids[pid], "month": month, "on_dtt": on_dtt, "hbi": hbi, "partial_mayo": pm,
        "rectal_bleeding": rb, "mes": mes, "ses_cd": ses, "limberg": lim, "crp": crp, "albumin": alb,
        "hematocrit": np.round(np.clip(rng.normal(38, 4, m), 20, 55), 1),
    })
    visits.loc[first, ["crp", "albumin"]] = np.column_stack([np.round(crp0, 2), np.round(alb0.clip(15, 55), 1)])
    if optional_labs:
        visits = visits.join(_optional_labs(seed, patients["center"].to_numpy(), pid, first, gain))

    # adverse events
    n_ae = rng.choice([0, 1, 2], n, p=[.75, .20, .05])
    apid = np.repeat(np.arange(n), n_ae)
    na = len(apid)
    pick = rng.random(na)
    suspected = np.where(pick < 0.4, a1[apid], np.where(pick < 0.7, a2[apid], np.where(pick < 0.9, "both",
                                                                                           "unknown")))
    serious = rng.random(na) < 0.08
    action = np.where(serious, rng.choice(["agent_withdrawn", "dtt_stopped"], na),
                      rng.choice(["none", "agent_withdrawn"], na, p=[.85, .15]))
    adverse_events = pd.DataFrame({
        "patient_id": ids[apid], "term": rng.choice(AE_TERMS, na), "onset_month": np.round(rng.uniform(0, 1, na)
                                                                                         * dtt[apid], 1),
        "suspected_agent": suspected, "serious": serious, "action": action,
        "outcome": rng.choice(["resolved", "improved", "ongoing"], na, p=[.6, .3, .1]),
        "severity": np.where(serious, "severe", rng.choice(["mild", "moderate"], na)),
    })
    return {"patients": patients, "treatments": treatments, "visits": visits, "adverse_events": adverse_events}


def _optional_labs(seed: int, centre: np.ndarray, pid: np.ndarray, first: np.ndarray, gain: np.ndarray
                   ) -> pd.DataFrame:
    """Faecal calprotectin (µg/g) and haemoglobin (g/L) at each visit, for the patients whose centre records
    them (see the module docstring); ``gain`` is each visit's improvement (0 at baseline)."""
    rng = np.random.default_rng([seed, 27])
    n, m = len(centre), len(pid)
    has_fc = np.isin(centre, ["A", "B"]) | (rng.random(n) < 0.40)
    fc0 = np.exp(rng.normal(np.log(900), 0.7, n))
    fc = np.clip(fc0[pid] * (1 - 0.85 * np.clip(gain, -1, 1)) * np.exp(rng.normal(0, 0.25, m)), 10, 6000)
    fc = np.where(has_fc[pid] & (first | (rng.random(m) > 0.15)), np.round(fc), np.nan)
    has_hb = rng.random(n) < 0.80
    hb0 = rng.normal(118, 14, n)
    hb = np.clip(hb0[pid] + 15 * gain + rng.normal(0, 4, m), 60, 180)
    hb = np.where(has_hb[pid] & (first | (rng.random(m) > 0.10)), np.round(hb), np.nan)
    return pd.DataFrame({"calprotectin": fc, "haemoglobin": hb})


def _dedupe_months(pid: np.ndarray, month: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Jitter can make two visits of a patient share a month: nudge later ones by 0.1; mark each baseline."""
    month = month.copy()
    for _ in range(5):
        dup = np.concatenate([[False], (pid[1:] == pid[:-1]) & (month[1:] <= month[:-1])])
        if not dup.any():
            break
        idx = np.flatnonzero(dup)
        month[idx] = np.round(month[idx - 1] + 0.1, 1)
    first = np.concatenate([[True], pid[1:] != pid[:-1]])
    return month, first


def text_booleans(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with boolean columns written as the cohort files spell them: ``true`` / ``false``."""
    df = df.copy()
    for c in df.columns:
        if df[c].dtype == bool:
            df[c] = np.where(df[c], "true", "false")
    return df


#: A synthetic cohort folder carries this file; a synthetic workbook carries :data:`SYNTHETIC_TITLE` as its
#: document title. Loading records it, and every report page then says the data are synthetic.
SYNTHETIC_MARKER = "SYNTHETIC.json"
SYNTHETIC_TITLE = "dttstudy synthetic cohort (not patient data)"


def write_cohort(tables: dict[str, pd.DataFrame], out: str | Path, about: dict | None = None) -> Path:
    """Write the tables as the four CSV files of a cohort folder (booleans as true/false) and the
    :data:`SYNTHETIC_MARKER` file (``about``: how the cohort was made)."""
    import json

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        text_booleans(df).to_csv(out / f"{name}.csv", index=False, float_format="%.10g", lineterminator="\n")
    marker = {"synthetic": True, "generator": "dttstudy synth", **(about or {})}
    (out / SYNTHETIC_MARKER).write_text(json.dumps(marker, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return out


def is_synthetic(path: str | Path) -> bool:
    """Whether a cohort folder or workbook was written by :func:`write_cohort` / ``dttstudy synth``."""
    import re
    import zipfile

    path = Path(path)
    if path.is_dir():
        return (path / SYNTHETIC_MARKER).is_file()
    try:
        with zipfile.ZipFile(path) as z:
            core = z.read("docProps/core.xml").decode("utf-8", "replace")
    except DAMAGED_ZIP:
        return False
    return re.search(r"<dc:title\b[^>]*>" + re.escape(SYNTHETIC_TITLE) + "</dc:title>", core) is not None
