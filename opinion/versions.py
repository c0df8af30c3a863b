"""Installed versions of the packages that determine a result's numbers (for fit cache keys
and report provenance)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

VERSIONED_PACKAGES = ("opinion", "pymc", "pytensor", "nutpie", "numpy", "arviz", "pandas")


def package_versions() -> dict[str, str]:
    """``{package: version}`` of :data:`VERSIONED_PACKAGES` (``"not installed"`` if absent)."""
    out = {}
    for name in VERSIONED_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out
