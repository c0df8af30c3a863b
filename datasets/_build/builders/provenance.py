"""The provenance helper every dataset builder shares.

It reads the fact sheets (all-text frames, cells stripped), keeps only ``verified == "yes"``
rows, and writes a dataset as ``data.csv`` + ``datapackage.json`` with the sha256 and size of
the data file, its schema, licence, sources, the fact ids used, the rows left out and the
sha256 of the inputs. ``created`` is the constant :data:`CREATED`, so the same inputs give
byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

CREATED = "2026-11-28"
"""Value of ``created`` in every datapackage (a constant so that builds are reproducible)."""

SCRIPT_PATH = "datasets/_build/build_datasets.py"
FACT_SHEETS = ("facts_us_ukraine", "facts_issues", "facts_europe", "facts_aid")

FACTS_LICENSE = {
    "name": "MIT",
    "path": "https://opensource.org/licenses/MIT",
    "title": (
        "Compilation and build script: MIT, like the project. The figures themselves are "
        "facts quoted from the cited public sources (listed in `sources`, per row in "
        "`source_url`); no text or tables of those sources are reproduced beyond short "
        "question wordings."
    ),
}

Fields = dict[str, tuple[str, str]]
"""Column name -> (Frictionless type, description)."""

_TOP_KEYS = {"title", "description", "opinion_kind", "opinion_sum_tolerance", "licenses"}
_TAIL_KEYS = ("fact_ids", "excluded", "unverified_not_used", "issue_name_mapping")


class Context:
    """Where a build reads from and writes to, with the fact sheets read once."""

    def __init__(self, facts_dir: Path, ref_dir: Path, out_dir: Path,
                 research_dir: Path | None = None) -> None:
        self.facts_dir = facts_dir
        self.ref_dir = ref_dir
        self.out_dir = out_dir
        self.research_dir = research_dir
        self._sheets: dict[str, pd.DataFrame] = {}

    def research_sheet(self, relative: str) -> tuple[pd.DataFrame, Path]:
        """A research assistant's table (``research/<relative>``) as an all-text frame, with
        its path (for the sha256 in ``build``)."""
        if self.research_dir is None:
            raise SystemExit("no research folder: pass --research DIR")
        path = self.research_dir / relative
        if not path.exists():
            raise SystemExit(f"research table not found: {path}")
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        return df.map(str.strip), path

    def sheet(self, name: str) -> pd.DataFrame:
        """A fact sheet (``facts_aid``, ``panel/events`` ...) as an all-text frame."""
        if name not in self._sheets:
            path = self.facts_dir / f"{name}.csv"
            if not path.exists():
                raise SystemExit(f"fact sheet not found: {path}")
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
            self._sheets[name] = df.map(str.strip)
        return self._sheets[name]

    def facts(self) -> dict[str, pd.DataFrame]:
        """The four main fact sheets (``facts_*.csv``)."""
        return {name: self.sheet(name) for name in FACT_SHEETS}

    def quality(self) -> dict[str, str]:
        """Fact id -> source quality, over the four main fact sheets."""
        return {
            r["id"]: r["source_quality"] for df in self.facts().values() for _, r in df.iterrows()
        }

    def verified_ids(self, *names: str) -> set[str]:
        """Ids of the verified rows of the named sheets (default: the four main sheets)."""
        sheets = [self.sheet(n) for n in names] if names else list(self.facts().values())
        return {i for df in sheets for i in df.loc[df["verified"] == "yes", "id"]}

    def build_info(self, *names: str) -> dict[str, Any]:
        """``build`` entry: the script and the sha256 of each input sheet."""
        names = names or tuple(sorted(FACT_SHEETS))
        return {
            "script": SCRIPT_PATH,
            "facts_sha256": {f"{n}.csv": file_sha256(self.facts_dir / f"{n}.csv") for n in names},
        }

    def write(
        self,
        name: str,
        df: pd.DataFrame,
        meta: dict[str, Any],
        fields: Fields,
        *,
        verified: set[str] | None = None,
        id_columns: Iterable[str] = ("fact_id",),
    ) -> int:
        """Check the ids, write the dataset, return its row count."""
        if verified is not None:
            check_ids(name, df, id_columns, verified)
        write_dataset(self.out_dir, name, df, meta, fields)
        return len(df)


def verified_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of a fact sheet with ``verified == "yes"``."""
    return df[df["verified"] == "yes"]


def unverified_ids(df: pd.DataFrame) -> list[str]:
    """Sorted ids of the rows that are not verified (listed, never shipped)."""
    return sorted(df.loc[df["verified"] != "yes", "id"])


def check_ids(name: str, df: pd.DataFrame, columns: Iterable[str], verified: set[str]) -> None:
    """Fail if a written id is not a verified fact."""
    ids = {f for col in columns if col in df for f in df[col] if f}
    bad = ids - verified
    if bad:
        raise SystemExit(f"{name}: unverified or unknown fact ids {sorted(bad)}")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fact_ids_of(df: pd.DataFrame, column: str = "fact_id") -> list[str]:
    return sorted({f for f in df[column] if f})


def source_list(df: pd.DataFrame, title_of: Callable[[pd.Series], str]) -> list[dict[str, Any]]:
    """One {title, path, date} per distinct source URL, in order of first use."""
    out: dict[str, dict[str, Any]] = {}
    for _, row in df.iterrows():
        url = row["source_url"]
        if url and url not in out:
            out[url] = {"title": title_of(row), "path": url, "date": row["source_date"] or None}
    return list(out.values())


def schema_of(fields: Fields, columns: Iterable[str]) -> dict[str, Any]:
    return {
        "fields": [{"name": c, "type": fields[c][0], "description": fields[c][1]} for c in columns]
    }


def write_dataset(
    out_dir: Path, name: str, df: pd.DataFrame, meta: dict[str, Any], fields: Fields
) -> dict[str, Any]:
    """Write ``data.csv`` and ``datapackage.json``; return the datapackage.

    ``meta`` holds title, description, opinion_kind, sources and optionally licenses,
    opinion_sum_tolerance, fact_ids, excluded, unverified_not_used, issue_name_mapping, any
    dataset-specific documentation keys (written in the given order) and build.
    """
    folder = out_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / "data.csv"
    df = df.fillna("").astype(str)
    df.to_csv(csv_path, index=False, lineterminator="\n", encoding="utf-8")
    data = csv_path.read_bytes()
    package: dict[str, Any] = {
        "name": name,
        "title": meta["title"],
        "description": meta["description"],
        "opinion_kind": meta["opinion_kind"],
        **(
            {"opinion_sum_tolerance": meta["opinion_sum_tolerance"]}
            if "opinion_sum_tolerance" in meta
            else {}
        ),
        "licenses": meta.get("licenses", [FACTS_LICENSE]),
        "sources": meta["sources"],
        "created": CREATED,
        "resources": [
            {
                "name": name,
                "path": "data.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "hash": f"sha256:{hashlib.sha256(data).hexdigest()}",
                "bytes": len(data),
                "rows": len(df),
                "schema": schema_of(fields, df.columns),
            }
        ],
    }
    for key in _TAIL_KEYS:
        if key in meta:
            package[key] = meta[key]
    for key, value in meta.items():
        if key not in _TOP_KEYS | set(_TAIL_KEYS) | {"sources", "build"}:
            package[key] = value
    if "build" in meta:
        package["build"] = meta["build"]
    text = json.dumps(package, indent=2, ensure_ascii=False) + "\n"
    (folder / "datapackage.json").write_text(text, encoding="utf-8")
    return package


README_HEAD = """\
# Bundled datasets

Each folder holds `data.csv` (UTF-8, ISO dates) and a Frictionless-style
`datapackage.json` (sources, licence, sha256 of data.csv, schema, and for fact-based
datasets the fact ids used and the rows left out, with reasons).
Built by `datasets/_build/build_datasets.py` (one small builder per dataset in
`datasets/_build/builders/`, sharing `provenance.py`) from `shared/facts` and
`shared/facts/panel` (verified rows only) and The Economist's France 2022 polls; do not edit
the outputs by hand. Rebuild all with `uv run python datasets/_build/build_datasets.py`, or
one with `... build_datasets.py <name>`.

| dataset | kind | rows |
|---|---|---|
"""

README_TAIL = """
Poll frames (`polls`) have one row per poll x question x subgroup x response.
`question_format`: binary = one reported share of a yes/no-style item; multi_option =
exclusive options of one question (incl. don't know); single_choice = 'the ONE most
important issue'; multi_mention = open/multiple most-important-problem mentions (may
sum above 100); rating = per-issue importance ratings (response = issue).

Subgroup rows carry the poll's total `n`; `subgroup_n` is empty unless published.

The cross-national panel (`europe_ukraine_panel`, `europe_salience_panel`,
`coalition_events`, `government_changes`, `kiel_aid_by_period`) covers the 30 NATO members of
November 2022 (plus labelled aggregates such as `EU`); the two survey panels also carry the
EU states outside NATO then (AT, CY, FI, IE, MT, SE, `nato_member` false) to calibrate items.
Each datapackage documents its codes (item directions, issue groups, actor types, measures)
and lists every source row left out.
"""


def write_readme(out_dir: Path) -> None:
    """``README.md`` listing every dataset folder present in ``out_dir``."""
    lines = []
    for pkg_path in sorted(out_dir.glob("*/datapackage.json")):
        pkg = json.loads(pkg_path.read_text(encoding="utf-8"))
        rows = pkg["resources"][0]["rows"]
        lines.append(f"| `{pkg['name']}` | {pkg['opinion_kind']} | {rows} |\n")
    text = README_HEAD + "".join(lines) + README_TAIL
    (out_dir / "README.md").write_text(text, encoding="utf-8")
