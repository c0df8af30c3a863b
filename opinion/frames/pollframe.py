"""The validated poll frame that every model in opinion consumes."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NotRequired, TypedDict, Unpack

import numpy as np
import pandas as pd

from opinion.errors import DataValidationError, unknown_name_message
from opinion.frames.aliases import merge_aliases
from opinion.frames.effective_n import add_effective_n
from opinion.frames.layouts import (
    KNOWN_COLUMNS,
    NAMED_DATE_ORDERS,
    NAMED_MAPPINGS,
    apply_mapping,
    is_wide,
    melt_wide,
)
from opinion.frames.parsing import DateOrder
from opinion.frames.schema import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from opinion.frames.validate import Fractions, validate_polls
from opinion.io.tables import RawTable, RowNumbering, from_dataframe, read_table

_COLUMN_ORDER = REQUIRED_COLUMNS + OPTIONAL_COLUMNS + ("question_format",)


class ReadOptions(TypedDict):
    """How :func:`read_polls` and :meth:`PollFrame.from_frame` read a table (see
    :func:`read_polls` for each option)."""

    mapping: NotRequired[str | Mapping[str, str] | None]
    aliases: NotRequired[Mapping[str, str] | None]
    response_columns: NotRequired[list[str] | None]
    sum_tolerance: NotRequired[float]
    today: NotRequired[dt.date | None]
    fractions: NotRequired[Fractions]
    date_order: NotRequired[DateOrder]


READ_DEFAULTS: ReadOptions = {"mapping": None, "aliases": None, "response_columns": None,
                              "sum_tolerance": 1.0, "today": None, "fractions": "reject",
                              "date_order": "auto"}


def read_options(options: dict[str, Any]) -> ReadOptions:
    """``options`` over the defaults; an unknown option is a :class:`DataValidationError`."""
    unknown = sorted(set(options) - set(READ_DEFAULTS))
    if unknown:
        raise DataValidationError(f"unknown option(s) {', '.join(unknown)} (known: "
                                  f"{', '.join(READ_DEFAULTS)})")
    return {**READ_DEFAULTS, **options}  # type: ignore[typeddict-item]


class PollFields(TypedDict):
    """The fields every row of one poll's question shares (see :mod:`opinion.frames.schema`)."""

    poll_id: str
    pollster: str
    start_date: Any
    end_date: Any
    population: str
    question_id: str


def poll_fields(columns: dict[str, Any]) -> tuple[PollFields, dict[str, Any]]:
    """Split keyword arguments into the poll's fields and other constant columns; a missing
    field is a :class:`DataValidationError` naming it."""
    names = list(PollFields.__annotations__)
    missing = [name for name in names if name not in columns]
    if missing:
        raise DataValidationError(f"to_pollframe needs the poll's {', '.join(missing)}")
    fields = {name: columns[name] for name in names}
    return fields, {k: v for k, v in columns.items() if k not in fields}  # type: ignore[return-value]


class PollFrame:
    """Validated polls in the tidy long layout, with the rows that failed validation.

    Build one with :func:`opinion.read_polls` (files) or :meth:`PollFrame.from_frame`
    (DataFrames). Rows that break a rule are never dropped silently: they are in
    :attr:`rejects` with every reason, and :attr:`problems` lists each (row, column, problem).

    **Row numbers** (the ``row`` column of ``rejects``, ``problems`` and ``conversions``, and
    every row named in a report or reason) are those of the source, as a user finds the row
    there: a CSV/TSV file's **line** (header = line 1, first data row = line 2), an Excel
    sheet's **row**, a JSON or Parquet **record** (first = 1), a DataFrame's **index** label.
    :attr:`row_numbering` says which; ``opinion validate FILE`` prints the same numbers as
    ``read_polls(FILE).validation_report()``.

    Attributes
    ----------
    data : pandas.DataFrame
        Valid rows, typed: dates as ``datetime64``, ``n`` as int, ``pct`` in 0-100, plus
        ``deff``, ``deff_source``, ``n_basis`` and ``n_eff`` (effective sample size).
    rejects : pandas.DataFrame
        Invalid rows as given, with ``row`` (see *row numbers* above) and ``reasons``.
    problems : pandas.DataFrame
        One line per problem: ``row, column, value, problem``.
    aliases : pandas.DataFrame
        Pollster names that were merged (``raw, pollster, sponsor, rows``).
    source : str
        Where the data came from.
    conversions : pandas.DataFrame
        Values the reader changed on request (``row, column, value, note``), e.g. pct given
        as fractions and multiplied by 100 with ``fractions="convert"``.
    notes : list of str
        What the reader decided that you should know (sheet read, delimiter, conversions).
    row_numbering : opinion.io.tables.RowNumbering
        What the ``row`` numbers count: ``unit`` (``"line"``, ``"row"``, ``"record"`` or
        ``"index"``) and ``meaning`` (one sentence).
    """

    def __init__(
        self,
        data: pd.DataFrame,
        rejects: pd.DataFrame | None = None,
        problems: pd.DataFrame | None = None,
        aliases: pd.DataFrame | None = None,
        source: str = "<DataFrame>",
        *,
        conversions: pd.DataFrame | None = None,
        notes: list[str] | tuple[str, ...] = (),
        row_numbering: RowNumbering | None = None,
    ) -> None:
        self.data = data
        self.rejects = rejects if rejects is not None else pd.DataFrame(columns=["row", "reasons"])
        self.problems = (
            problems if problems is not None
            else pd.DataFrame(columns=["row", "column", "value", "problem"])
        )
        self.aliases = aliases if aliases is not None else pd.DataFrame(
            columns=["raw", "pollster", "sponsor", "rows"])
        self.source = source
        self.conversions = conversions if conversions is not None else pd.DataFrame(
            columns=["row", "column", "value", "note"])
        self.notes = list(notes)
        self.row_numbering = row_numbering if row_numbering is not None else RowNumbering()

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, source: str = "<DataFrame>",
                   **options: Unpack[ReadOptions]) -> PollFrame:
        """Validate an in-memory DataFrame (rows are reported by index label).

        The options are those of :func:`read_polls`.
        """
        return cls._from_raw(from_dataframe(frame, source), read_options(dict(options)))

    @classmethod
    def _from_raw(cls, table: RawTable, options: ReadOptions) -> PollFrame:
        """Map, melt, merge aliases, validate and add effective sample sizes."""
        if len(table.frame) == 0:
            raise DataValidationError(f"{table.source}: no data rows")
        frame, mapping_name = apply_mapping(table.frame, options["mapping"])
        date_order = options["date_order"]
        if date_order == "auto" and mapping_name in NAMED_DATE_ORDERS:
            date_order = NAMED_DATE_ORDERS[mapping_name]
        frame, labels, reader_problems = _long_layout(table, frame, options["response_columns"])
        merged, alias_table = (
            merge_aliases(frame, options["aliases"]) if "pollster" in frame.columns
            else (frame, None)
        )
        try:
            result = validate_polls(
                merged, labels, sum_tolerance=options["sum_tolerance"], today=options["today"],
                fractions=options["fractions"], date_order=date_order,
                delimiter=table.delimiter, reader_problems=reader_problems,
                row_unit=table.numbering.unit,
            )
        except DataValidationError as exc:
            raise DataValidationError(f"{table.source}: {exc}") from None
        data = add_effective_n(result.valid)
        ordered = [c for c in _COLUMN_ORDER if c in data.columns]
        extra = [c for c in data.columns if c not in ordered]
        notes = list(table.notes)
        if len(result.conversions):
            notes.append(f"{len(result.conversions):,} pct values given as fractions were "
                         "multiplied by 100 (see .conversions)")
        return cls(data[ordered + extra], result.rejects, result.problems, alias_table,
                   table.source, conversions=result.conversions, notes=notes,
                   row_numbering=table.numbering)

    # ------------------------------------------------------------------ views
    @property
    def is_valid(self) -> bool:
        """True when no row was rejected."""
        return len(self.rejects) == 0

    @property
    def n_eff(self) -> pd.Series:
        """Effective sample size of each valid row (``n / deff``)."""
        return self.data["n_eff"]

    def __len__(self) -> int:
        return len(self.data)

    def polls(self) -> pd.DataFrame:
        """One row per poll: pollster, dates, population, n, number of questions."""
        cols = [c for c in ("poll_id", "pollster", "sponsor", "start_date", "end_date",
                            "population", "mode", "country") if c in self.data]
        grouped = self.data.groupby("poll_id", sort=False)
        out = grouped[cols[1:]].first()
        out["n"] = grouped["n"].max()
        out["questions"] = grouped["question_id"].nunique()
        return out.reset_index()

    def questions(self) -> pd.DataFrame:
        """One row per question_id: polls, pollsters, responses and date range."""
        grouped = self.data.groupby("question_id", sort=True)
        return pd.DataFrame({
            "polls": grouped["poll_id"].nunique(),
            "pollsters": grouped["pollster"].nunique(),
            "responses": grouped["response"].unique().map(lambda r: ", ".join(map(str, r))),
            "first": grouped["start_date"].min(),
            "last": grouped["end_date"].max(),
        }).reset_index()

    def filter(self, **conditions: Any) -> PollFrame:
        """Keep valid rows whose columns equal (or are in) the given values.

        Examples
        --------
        >>> pf.filter(question_id="ipsos_continue_weapons", subgroup="all")  # doctest: +SKIP
        """
        mask = pd.Series(True, index=self.data.index)
        for column, wanted in conditions.items():
            if column not in self.data:
                raise DataValidationError("cannot filter: " + unknown_name_message(
                    column, list(self.data.columns), "column"))
            if isinstance(wanted, (list, tuple, set, frozenset)):
                mask &= self.data[column].isin(list(wanted))
            else:
                mask &= self.data[column] == wanted
        return PollFrame(self.data[mask].reset_index(drop=True), self.rejects, self.problems,
                         self.aliases, self.source, conversions=self.conversions,
                         notes=self.notes, row_numbering=self.row_numbering)

    # ------------------------------------------------------------------ summaries
    def summary(self) -> pd.DataFrame:
        """Validation summary as a one-column table (item -> value)."""
        d = self.data
        items = {
            "source": self.source,
            "valid rows": len(d),
            "rejected rows": len(self.rejects),
            "problems": len(self.problems),
            "polls": d["poll_id"].nunique() if len(d) else 0,
            "pollsters": d["pollster"].nunique() if len(d) else 0,
            "questions": d["question_id"].nunique() if len(d) else 0,
            "field dates": (
                f"{d['start_date'].min():%Y-%m-%d} to {d['end_date'].max():%Y-%m-%d}"
                if len(d) else "-"
            ),
            "pollster names merged": len(self.aliases),
            "pct values converted from fractions": len(self.conversions),
            "design effect assumed 1 (no deff or moe)": int((d["deff_source"] == "assumed 1").sum())
            if len(d) else 0,
        }
        return pd.DataFrame({"value": pd.Series(items, dtype=object)})

    def validation_report(self, max_problems: int = 50) -> str:
        """Plain-text validation report: counts, then every problem with its row and column.

        Rows are numbered as the source shows them and the report says how (see *row
        numbers* in the class notes): ``line 4, column n: ...`` for a CSV file's line 4
        (header = line 1). ``opinion validate FILE`` prints this same report.
        """
        lines = [
            f"{self.source}: {len(self.data):,} valid rows, {len(self.rejects):,} rejected "
            f"({len(self.problems):,} problems)"
        ]
        unit = self.row_numbering.unit
        if len(self.problems) and self.row_numbering.meaning:
            lines.append(f"  ({self.row_numbering.meaning})")
        for row in self.problems.head(max_problems).itertuples(index=False):
            value = "" if row.value is None else f" [value: {row.value!r}]"
            lines.append(f"  {unit} {row.row}, column {row.column}: {row.problem}{value}")
        if len(self.problems) > max_problems:
            lines.append(f"  ... and {len(self.problems) - max_problems:,} more problems")
        if len(self.aliases):
            merged = ", ".join(f"{r.raw!r} -> {r.pollster}" for r in self.aliases.itertuples())
            lines.append(f"pollster names merged: {merged}")
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        d = self.data
        return (
            f"<PollFrame: {len(d):,} rows, {d['poll_id'].nunique() if len(d) else 0} polls, "
            f"{d['question_id'].nunique() if len(d) else 0} questions, "
            f"{len(self.rejects):,} rejected, from {self.source}>"
        )

    def _repr_html_(self) -> str:
        status = (
            "<span style='color:#1b7837'>all rows valid</span>" if self.is_valid
            else f"<span style='color:#b2182b'>{len(self.rejects):,} rows rejected</span>"
        )
        parts = [
            f"<div><strong>PollFrame</strong> from {html.escape(self.source)}: {status}</div>",
            self.summary().to_html(escape=True, header=False),
        ]
        if len(self.problems):
            parts.append("<div><strong>Problems</strong> (first 20)</div>")
            parts.append(self.problems.head(20).to_html(index=False, escape=True))
        parts.append("<div><strong>Data</strong> (first 10 rows)</div>")
        parts.append(self.data.head(10).to_html(index=False, escape=True))
        return "\n".join(parts)

    def concat(self, *others: PollFrame) -> PollFrame:
        """Stack several poll frames (their rejects and problems too)."""
        frames = (self, *others)
        numberings = {f.row_numbering for f in frames}
        return PollFrame(
            pd.concat([f.data for f in frames], ignore_index=True),
            pd.concat([f.rejects for f in frames], ignore_index=True),
            pd.concat([f.problems for f in frames], ignore_index=True),
            pd.concat([f.aliases for f in frames], ignore_index=True).drop_duplicates(),
            " + ".join(f.source for f in frames),
            conversions=pd.concat([f.conversions for f in frames], ignore_index=True),
            notes=[note for f in frames for note in f.notes],
            row_numbering=numberings.pop() if len(numberings) == 1 else RowNumbering(
                "row", "rows are numbered as each source numbers them (" + "; ".join(
                    dict.fromkeys(f.row_numbering.meaning for f in frames
                                  if f.row_numbering.meaning)) + ")"),
        )


COMPUTED_BY_TOPLINE = ("poll_id", "pollster", "start_date", "end_date", "population", "n",
                       "question_id", "response", "pct", "subgroup", "subgroup_n", "deff")
"""Columns :func:`pollframe_from_topline` fills itself (not accepted as extras)."""


def pollframe_from_topline(table: pd.DataFrame, *, fields: PollFields, n: int,
                           extra: Mapping[str, Any] | None = None,
                           source: str = "<topline>") -> PollFrame:
    """A validated poll frame from a weighted topline of respondent data.

    The one implementation behind ``Microdata.to_pollframe`` and
    ``opinion.survey.Design.to_pollframe``: they compute the topline (and its design
    effects), this builds and validates the rows.

    Parameters
    ----------
    table
        One row per subgroup x response: ``subgroup`` ("all" or "<by>:<label>"),
        ``response``, ``pct`` (0-100), ``subgroup_n`` and ``deff``.
    fields
        The poll's fields (:class:`PollFields`: poll_id, pollster, start_date, end_date,
        population, question_id), constant over the rows.
    n
        Respondents who answered the question.
    extra
        Other poll-frame columns as constants (``mode="online"``, ``question_text=...``).

    Raises
    ------
    DataValidationError
        An extra names a column this function computes.
    """
    extra = dict(extra or {})
    clash = sorted(set(COMPUTED_BY_TOPLINE) & set(extra))
    if clash:
        raise DataValidationError(
            f"to_pollframe computes {', '.join(clash)} itself; do not pass them as extras"
        )
    frame = pd.DataFrame({
        **fields, "n": n,
        "response": table["response"].astype(str).to_numpy(),
        "pct": table["pct"].to_numpy(dtype=float),
        "subgroup": table["subgroup"].to_numpy(),
        "subgroup_n": table["subgroup_n"].to_numpy(),
        "deff": table["deff"].to_numpy(dtype=float),
    }, index=range(len(table)))
    for column, value in extra.items():
        frame[column] = value
    return PollFrame.from_frame(frame, source=source)


def _long_layout(table: RawTable, frame: pd.DataFrame, response_columns: list[str] | None
                 ) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """The long layout of a (mapped) raw table, with row labels and reader problems."""
    labels = table.lines.reset_index(drop=True)
    problems = table.problems
    wide = response_columns is not None or is_wide(frame)
    if response_columns is None and wide:
        missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
        options = [c for c in frame.columns if c not in KNOWN_COLUMNS]
        if not options or len(missing) > 2:
            shown = ", ".join(str(c) if str(c).isprintable() else repr(str(c))[:30]
                              for c in frame.columns[:20]) + (
                f", ... ({frame.shape[1]:,} columns)" if frame.shape[1] > 20 else "")
            raise DataValidationError(
                f"{table.source}: missing required columns: {', '.join(missing)} "
                f"(found: {shown})"
            )
    if not wide:
        return frame, labels, problems
    long, origin = melt_wide(frame, response_columns=response_columns)
    origin = origin.to_numpy(dtype=np.int64)
    if len(problems):
        spread = pd.DataFrame({"position": np.arange(len(origin)), "wide": origin})
        problems = problems.rename(columns={"position": "wide"}).merge(spread, on="wide")
        problems = problems[["position", "column", "value", "problem"]]
    return long, labels.iloc[origin].reset_index(drop=True), problems


def read_polls(source: str | Path | pd.DataFrame, *, sheet: str | int | None = None,
               **options: Unpack[ReadOptions]) -> PollFrame:
    """Read and validate polls from a file or DataFrame.

    Parameters
    ----------
    source
        A CSV, TSV, JSON, Excel (title rows above the header are skipped) or Parquet file, or
        a DataFrame. Text files: UTF-8 (with or without BOM), UTF-16 (with BOM) and
        Latin-1/Windows-1252 all load; the delimiter (comma, semicolon, tab or pipe) is
        found from the header.
    mapping
        Column mapping for other layouts: a named one (``"fivethirtyeight"``) or a dict
        ``{their column: schema column}``.
    aliases
        Extra pollster aliases, ``{alias: canonical name}``.
    response_columns
        For wide toplines (one column per response option): the option columns. Detected
        automatically when the data has neither ``response`` nor ``pct``.
    sum_tolerance
        Percentage points a question's responses may exceed 100 by (rounding).
    today
        Reference date for the "in the future" check (default: today).
    fractions
        Questions whose responses are all at most 1 and sum to about 1 were given as
        fractions (0.66 for 66%). ``"reject"`` (default) rejects those rows, with a reason
        that says how to opt in; ``"convert"`` multiplies them by 100 and lists every change
        in :attr:`PollFrame.conversions`; ``"keep"`` reads them as percentages below 1%.
        The default refuses to guess: a factor of 100 is too large to apply unasked.
    date_order
        Slash dates: ``"auto"`` (default) infers day-first or month-first from the dates
        only one convention can read (``13/04/2022`` is day-first) and refuses a file that
        mixes both; with no evidence dates are month-first. ``"mdy"``/``"dmy"`` decide.
        The ``fivethirtyeight`` mapping implies ``"mdy"``.
    sheet
        Excel only: the sheet to read (name or 0-based position); required when several
        sheets hold data (the error lists them).

    Returns
    -------
    PollFrame
        Valid rows in ``.data``; rejected rows with reasons in ``.rejects``.

    Raises
    ------
    DataValidationError
        The file is missing, empty, unreadable, lacks required columns, has repeated column
        names, or mixes date conventions. Row-level problems never raise.

    Notes
    -----
    Numbers: see :mod:`opinion.frames.parsing` for the decimal-comma and thousands rules;
    bounds (``n`` at most 10,000,000, ...) are in :mod:`opinion.frames.validate`.
    """
    opts = read_options(dict(options))
    if isinstance(source, pd.DataFrame):
        if sheet is not None:
            raise DataValidationError("sheet= applies to Excel workbooks only")
        return PollFrame._from_raw(from_dataframe(source, "<DataFrame>"), opts)
    if not isinstance(source, (str, Path)):
        raise DataValidationError(
            f"read_polls needs a file path or a DataFrame, not {type(source).__name__}"
        )
    mapping = opts["mapping"]
    hints = frozenset(c.lower() for c in KNOWN_COLUMNS) | frozenset(
        str(k).lower() for k in ((mapping or {}) if isinstance(mapping, Mapping) else ()))
    if isinstance(mapping, str) and mapping.lower() in NAMED_MAPPINGS:
        hints |= frozenset(k.lower() for k in NAMED_MAPPINGS[mapping.lower()])
    return PollFrame._from_raw(read_table(source, header_hints=hints, sheet=sheet), opts)
