"""Where the project's files are (no heavy imports here: the command line uses it before pandas loads)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
PUBLISHED_DIR = DATA_DIR / "published"
NOTEBOOK_DIR = ROOT / "notebooks"
PACKAGE_DIR = ROOT / "dttstudy"
TABLE_NAMES = ("patients", "treatments", "visits", "adverse_events")
