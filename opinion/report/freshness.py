"""Is a rendered report still what its inputs would give? A content-addressed build record.

``opinion report`` re-runs an analysis only when something it depends on changed. A report's
**build key** is the SHA-256 of everything that can change what the analysis writes:

- the source of the installed ``opinion`` package (every ``.py``, template and stylesheet),
- the analysis script and the shared helpers beside it (``analyses/_*.py``),
- every bundled dataset file (``datasets/``),
- the versions of the packages that compute results (:func:`opinion.versions.package_versions`)
  and of Python,
- the ``OPINION_*`` environment settings other than the cache and output folders.

After a successful run the key and the SHA-256 of the HTML and JSON it wrote are recorded in
``<out>/.build/<name>.json``. A later run skips the analysis only when the key is the same
*and* both files on disk still have the recorded hashes (an edited or deleted report is
rendered again). ``--force`` ignores the record. The records are not committed (they are
machine-local), so a fresh clone renders — and fits — every report.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RECORD_FOLDER = ".build"
_SOURCE_SUFFIXES = {".py", ".html", ".css", ".j2", ".jinja", ".js", ".json", ".txt"}
_IGNORED_ENV = {"OPINION_CACHE_DIR", "OPINION_REPORTS_DIR"}


@dataclass(frozen=True)
class Freshness:
    """Whether a report can be reused, and why (``reason`` is shown to the user)."""

    name: str
    key: str
    up_to_date: bool
    reason: str


def _digest_files(digest: Any, root: Path, files: list[Path]) -> None:
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def _tree_files(root: Path, suffixes: set[str] | None = None) -> list[Path]:
    if not root.is_dir():
        return []
    return [p for p in root.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
            and not any(part.startswith(".") for part in p.relative_to(root).parts)
            and (suffixes is None or p.suffix in suffixes)]


def shared_inputs_digest(analyses: Path, datasets: Path) -> bytes:
    """Digest of the inputs every report shares (package source, datasets, versions, env)."""
    import opinion
    from opinion.versions import package_versions

    digest = hashlib.sha256()
    package_root = Path(opinion.__file__).resolve().parent
    _digest_files(digest, package_root, _tree_files(package_root, _SOURCE_SUFFIXES))
    _digest_files(digest, analyses, [p for p in analyses.glob("_*.py") if p.is_file()])
    _digest_files(digest, datasets, _tree_files(datasets))
    settings = {k: v for k, v in os.environ.items()
                if k.startswith("OPINION_") and k not in _IGNORED_ENV}
    digest.update(json.dumps({"versions": package_versions(), "python": sys.version,
                              "env": settings}, sort_keys=True, default=str).encode())
    return digest.digest()


def build_key(name: str, analyses: Path, shared: bytes) -> str:
    """The build key of ``analyses/<name>.py`` given :func:`shared_inputs_digest`."""
    digest = hashlib.sha256(shared)
    digest.update(hashlib.sha256((analyses / f"{name}.py").read_bytes()).digest())
    return digest.hexdigest()


def _file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _record_path(out: Path, name: str) -> Path:
    return out / RECORD_FOLDER / f"{name}.json"


def check(name: str, key: str, out: Path) -> Freshness:
    """Compare the recorded build of ``name`` in ``out`` with ``key`` and the files on disk."""
    try:
        record = json.loads(_record_path(out, name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Freshness(name, key, False, "no build record")
    if not isinstance(record, dict) or record.get("key") != key:
        return Freshness(name, key, False, "inputs changed")
    for suffix in ("html", "json"):
        if _file_sha256(out / f"{name}.{suffix}") != record.get(f"{suffix}_sha256"):
            return Freshness(name, key, False, f"{name}.{suffix} changed or missing")
    return Freshness(name, key, True, f"up to date (inputs unchanged since {record.get('built')})")


def record(name: str, key: str, out: Path, built: str) -> None:
    """Record a successful build of ``name`` (key and hashes of the files it wrote)."""
    path = _record_path(out, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"key": key, "built": built,
               "html_sha256": _file_sha256(out / f"{name}.html"),
               "json_sha256": _file_sha256(out / f"{name}.json")}
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(payload, indent=1), encoding="utf-8")
    temporary.replace(path)
