"""Names a package exports, imported on first use (keeps ``import opinion`` and the CLI fast)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, exports: dict[str, str]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package`` exporting ``{name: module}``."""

    def __getattr__(name: str) -> Any:  # noqa: N807 - module protocol
        if name in exports:
            value = getattr(importlib.import_module(exports[name]), name)
            setattr(importlib.import_module(package), name, value)
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:  # noqa: N807 - module protocol
        return sorted(exports)

    return __getattr__, __dir__
