"""Configuration of the issue-vote model (aggregate exit-poll tables -> P(vote | issue)).

Shares are in percent in the data and in results; the model works with proportions. The one
setting that matters most is the design effect of the exit poll (``deff``): see
:class:`IssueVoteConfig`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from opinion.errors import ModelInputError
from opinion.models.core.config import ModelConfig

DEFAULT_DEFF = 2.0
"""Design effect assumed for exit polls (see :class:`IssueVoteConfig`)."""


def _check_split(name: str, split: dict[str, float]) -> None:
    if not split:
        raise ModelInputError(f"extra issue {name!r}: 'split' must name the parties")
    values = [float(v) for v in split.values()]
    if any(not 0 <= v <= 1 for v in values) or abs(sum(values) - 1) > 0.011:
        raise ModelInputError(
            f"extra issue {name!r}: 'split' must be proportions (0-1) summing to 1, got "
            f"{split}")


def normalise_extra_issues(extra: dict[str, dict[str, Any]] | None
                           ) -> dict[str, dict[str, Any]]:
    """Check and complete ``extra_issues`` (share, share_sd, split, split_sd; proportions)."""
    out: dict[str, dict[str, Any]] = {}
    for name, spec in (extra or {}).items():
        if not isinstance(spec, dict) or "share" not in spec or "split" not in spec:
            raise ModelInputError(
                f"extra issue {name!r} needs a dict with 'share' (proportion of voters, 0-1) "
                "and 'split' ({party: proportion}); optional 'share_sd' and 'split_sd'")
        share = float(spec["share"])
        if not 0 < share < 1:
            raise ModelInputError(
                f"extra issue {name!r}: share must be a proportion in (0, 1), got {share} (give "
                "2% as 0.02)")
        split = {str(k): float(v) for k, v in spec["split"].items()}
        _check_split(name, split)
        share_sd = float(spec.get("share_sd", 0.0))
        split_sd = float(spec.get("split_sd", 0.0))
        if share_sd < 0 or split_sd < 0:
            raise ModelInputError(f"extra issue {name!r}: share_sd and split_sd must be >= 0")
        out[str(name)] = {"share": share, "share_sd": share_sd, "split": split,
                          "split_sd": split_sd}
    return out


@dataclass(frozen=True)
class IssueVoteConfig(ModelConfig):
    """Settings of :class:`~opinion.models.IssueVote`.

    Data
    ----
    question
        The ``question_id`` of the single-choice issue question (default: the only
        single-choice question in the data).
    poll_ids
        Rows to use (default: all rows of the question). One table per group: if a group
        (``all``, ``party:dem`` ...) appears in two polls, choose with ``poll_ids``.
    groups
        ``{subgroup: party}`` naming the vote groups, e.g. ``{"party:dem": "dem",
        "party:rep": "rep"}`` (default: every subgroup ``party:X`` or ``vote:X`` -> ``X``).
        The groups must partition the voters (see the model notes on party identification).
    vote
        The overall vote, ``{party: percent}`` (e.g. the official two-party result). Required.
    vote_sd_pp
        Uncertainty of ``vote`` as a standard deviation in percentage points (default 1.0):
        the official count is exact, but the exit poll's groups are not exactly the voters of
        each party (party identifiers who crossed over, third parties). 0.1 treats the vote
        as known.
    deff
        Design effect of the exit poll (default 2.0). Effective sample size of a table is
        ``n / deff``. Exit polls are cluster samples (a few hundred polling places, phone
        samples for early voters) weighted heavily to the count; their design effects are
        not published and are well above 1. 2 is a deliberately cautious assumption, not a
        published figure; try 3-4 in a sensitivity analysis (intervals widen by sqrt(deff/2)).
    group_n
        How large each group's sample is when ``subgroup_n`` is not published: ``"vote"``
        (default: n x the group's share of ``vote``) or a number in (0, 1] (that fraction of
        n for every group).
    other
        ``"remainder"`` (default): shares that sum to less than 100 leave the rest to an
        "other" issue (exit polls list only the top issues); ``"none"``: the listed issues are
        exhaustive and must sum to 100 (within ``sum_tolerance``).
    sum_tolerance
        Percentage points by which a group's shares may exceed 100 (rounding; default 2).
    missing
        ``"error"`` (default): every group must report every issue; ``"infer"``: an issue not
        reported for a group is part of that group's remainder and is identified by the
        overall shares (needs ``overall="likelihood"`` and an ``all`` table).
    overall
        ``"likelihood"`` (default): the overall issue shares enter as data on
        ``sum_p s_{p,i} v_p``; ``"check"``: they are only compared with the model (posterior
        predictive). They come from the same respondents as the group tables, so
        ``"likelihood"`` counts those respondents twice: intervals are somewhat too narrow
        where group tables exist (the price of identifying missing cells).
    check_issue_names
        Refuse issue names that look like one issue spelled two ways.
    issue_aliases
        ``{name: canonical name}`` to merge spellings.
    prior_concentration
        Dirichlet concentration of each group's issue shares (default 1: flat).
    extra_issues
        Issues absent from the exit poll's list, taken out of the "other" remainder:
        ``{"war in Ukraine": {"share": 0.02, "share_sd": 0.01, "split": {"rep": 0.45,
        "dem": 0.55}, "split_sd": 0.08}}`` (proportions). ``share`` is the proportion of voters
        for whom it was the top issue, ``split`` how they voted; the sds give their
        uncertainty (a beta distribution with that mean and sd, drawn per posterior draw).
    """

    question: str | None = None
    poll_ids: tuple[str, ...] | None = None
    groups: dict[str, str] | None = None
    vote: dict[str, float] = field(default_factory=dict)
    vote_sd_pp: float = 1.0
    deff: float = DEFAULT_DEFF
    group_n: str | float = "vote"
    other: Literal["remainder", "none"] = "remainder"
    sum_tolerance: float = 2.0
    missing: Literal["error", "infer"] = "error"
    overall: Literal["likelihood", "check"] = "likelihood"
    check_issue_names: bool = True
    issue_aliases: dict[str, str] = field(default_factory=dict)
    prior_concentration: float = 1.0
    extra_issues: dict[str, dict[str, Any]] = field(default_factory=dict)

    model_label = "IssueVote"

    def problems(self) -> list[str]:
        out: list[str] = []
        if not self.vote:
            out.append(
                "vote= is required: the overall vote as {party: percent}, e.g. "
                "{'rep': 51.5, 'dem': 48.5}")
        total = sum(float(v) for v in self.vote.values())
        if any(float(v) <= 0 for v in self.vote.values()) or abs(total - 100) > 0.5:
            out.append(
                f"vote must be positive percentages summing to 100 (got {self.vote}, sum "
                f"{total:g}); for a two-party analysis give two-party shares")
        if not self.vote_sd_pp > 0:
            out.append("vote_sd_pp must be positive (use 0.1 for a known vote)")
        if not self.deff >= 1:
            out.append(f"deff must be >= 1 (got {self.deff})")
        if isinstance(self.group_n, str):
            if self.group_n != "vote":
                out.append("group_n must be 'vote' or a fraction in (0, 1]")
        elif not 0 < float(self.group_n) <= 1:
            out.append("group_n must be 'vote' or a fraction in (0, 1]")
        if self.other not in {"remainder", "none"}:
            out.append("other must be 'remainder' or 'none'")
        if self.missing not in {"error", "infer"}:
            out.append("missing must be 'error' or 'infer'")
        if self.overall not in {"likelihood", "check"}:
            out.append("overall must be 'likelihood' or 'check'")
        if self.missing == "infer" and self.overall != "likelihood":
            out.append(
                "missing='infer' needs overall='likelihood': missing cells are identified by "
                "the overall issue shares")
        if self.sum_tolerance < 0 or not self.prior_concentration > 0:
            out.append("sum_tolerance must be >= 0, prior_concentration > 0")
        for spec in normalise_extra_issues(self.extra_issues).values():
            unknown = set(spec["split"]) - set(self.vote)
            if unknown:
                out.append(
                    f"extra issue split names unknown part(ies) {sorted(unknown)}; parties: "
                    f"{sorted(self.vote)}")
        return out

    def vote_proportions(self) -> dict[str, float]:
        """The overall vote as proportions."""
        total = sum(float(v) for v in self.vote.values())
        return {str(k): float(v) / total for k, v in self.vote.items()}
