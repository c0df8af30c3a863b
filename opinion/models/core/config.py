"""The configuration base every model's settings derive from.

A model's configuration is a frozen dataclass of plain values (numbers, strings, tuples,
dicts), so that it hashes into the fit cache, saves as JSON beside the posterior and comes
back identical. :class:`ModelConfig` gives every configuration the same behaviour:

- values are normalised to the declared types on creation (a list given for a tuple field
  becomes a tuple, a single string for a ``tuple[str, ...]`` field becomes a one-tuple, numpy
  scalars become Python numbers), so ``questions="q1"`` and ``questions=["q1"]`` mean the
  same and hash the same;
- every problem with the values is reported at once (:meth:`ModelConfig.problems`);
- :meth:`~ModelConfig.to_dict` / :meth:`~ModelConfig.from_dict` round-trip through JSON;
- :meth:`~ModelConfig.merged` builds a configuration from defaults, a base configuration
  (object or dict) and keyword overrides, refusing unknown names with the list of known ones.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, ClassVar, Self

import numpy as np

from opinion.errors import ModelInputError, did_you_mean, unknown_names_message
from opinion.models.core.inputs import problems_message


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Base class of model configurations (subclass as a frozen dataclass).

    Subclasses declare their fields with defaults and override :meth:`problems` to return a
    list of plain-language problems (empty when the values are usable).
    """

    model_label: ClassVar[str] = "model"

    def __post_init__(self) -> None:
        hints = _field_types(type(self))
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            normalised = _normalise(value, hints.get(f.name))
            if normalised is not value:
                object.__setattr__(self, f.name, normalised)
        problems = self.problems()
        if problems:
            raise ModelInputError(problems_message(f"{self.model_label} settings", problems))

    # ------------------------------------------------------------------ to override
    def problems(self) -> list[str]:
        """Everything wrong with these values (empty when they are usable)."""
        return []

    def positive(self, *names: str) -> list[str]:
        """Problems for every named setting that is not a positive number."""
        out = []
        for name in names:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                out.append(f"{name} must be a positive number, not {value!r}")
        return out

    def one_of(self, name: str, allowed: tuple[str, ...]) -> list[str]:
        """A problem when setting ``name`` is not one of ``allowed``."""
        value = getattr(self, name)
        if value in allowed:
            return []
        return [f"{name} must be {', '.join(repr(a) for a in allowed[:-1])} or "
                f"{allowed[-1]!r}, not {value!r}{did_you_mean(value, allowed)}"]

    # ------------------------------------------------------------------ construction
    @classmethod
    def field_names(cls) -> list[str]:
        """Names of the settings, in declaration order."""
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Self:
        """Build from a dict such as :meth:`to_dict` wrote (unknown names are refused)."""
        unknown = sorted(set(values) - set(cls.field_names()))
        if unknown:
            raise ModelInputError(unknown_names_message(unknown, cls.field_names(),
                                                        f"{cls.model_label} setting(s)"))
        return cls(**values)

    @classmethod
    def merged(cls, base: ModelConfig | dict[str, Any] | None = None,
               overrides: dict[str, Any] | None = None) -> Self:
        """Defaults, then ``base`` (a configuration or a dict), then ``overrides``."""
        if isinstance(base, ModelConfig) and not isinstance(base, cls):
            raise ModelInputError(f"config must be a {cls.__name__}, not {type(base).__name__}")
        values = (base.to_dict() if isinstance(base, ModelConfig)
                  else dict(base or {}))
        values.update(overrides or {})
        return cls.from_dict(values)

    def replace(self, **changes: Any) -> Self:
        """A copy with some settings changed (checked like a new configuration)."""
        return type(self).merged(self, changes)

    # ------------------------------------------------------------------ output
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (tuples become lists)."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def changed(self) -> dict[str, Any]:
        """Settings that differ from the defaults (for methodology text)."""
        default = {f.name: _default(f) for f in dataclasses.fields(self)}
        return {k: v for k, v in self.to_dict().items()
                if _jsonable(default[k]) != v}


def _default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None


def _field_types(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except (NameError, TypeError):  # pragma: no cover - unresolvable forward references
        return {}


def _options(annotation: Any) -> tuple[Any, ...]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


def _normalise(value: Any, annotation: Any) -> Any:
    """``value`` in the shape ``annotation`` declares (lists -> tuples, numpy -> Python)."""
    if isinstance(value, np.generic):
        value = value.item()
    if annotation is None:
        return value
    options = _options(annotation)
    tuple_types = [o for o in options if typing.get_origin(o) is tuple or o is tuple]
    if not tuple_types:
        return value
    takes_str = any(o is str for o in options)
    if isinstance(value, str) and not takes_str:
        args = typing.get_args(tuple_types[0])
        if len(args) == 2 and args[1] is Ellipsis:
            return (value,)
        return value
    if isinstance(value, list | np.ndarray):
        return tuple(v.item() if isinstance(v, np.generic) else v for v in value)
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value
