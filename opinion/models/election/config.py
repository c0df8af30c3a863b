"""Configuration of the issue-vote model (the published tables of one exit poll).

Shares are in percent in the data and in results; the model works with proportions. The
settings that matter most are the design effect (``deff``), the assumption that splits the
party-ID/vote correlation between the two (``loading_split``) and the scale of direct issue
effects (``direct_sd``): see :class:`IssueVoteConfig` and the model notes in
:mod:`opinion.models.election.model`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from opinion.errors import ModelInputError
from opinion.models.core.config import ModelConfig

DEFAULT_DEFF = 2.0
"""Design effect assumed for exit polls (see :class:`IssueVoteConfig`)."""

ROLES = ("group", "issue", "vote")
"""The three variables of the latent cells: party-ID group, most important issue, vote."""

TABLE_KINDS = tuple(f"{r}_share" for r in ROLES) + tuple(
    f"{r}_by_{s}" for r in ROLES for s in ROLES if r != s)
"""Names of the published tables: ``<response>_share`` (all voters) and
``<response>_by_<subgroup>`` (e.g. ``vote_by_issue``: the vote among each issue's voters)."""


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
    vote
        The known vote of the listed parties, ``{party: share}`` (percentages or counts:
        normalised), e.g. the official two-party result. Required. Its keys are the parties
        of the model; any other vote (minor parties, no answer) is the category ``other``.
    vote_sd_pp
        How far (sd, percentage points) the exit poll's weighted electorate may be from
        ``vote`` (default 0.5): exit polls are weighted to the count, but not exactly, and
        tables from overnight updates were weighted to an incomplete count.
    party_order
        The parties from one end of the left-right scale to the other (default: the order
        of ``vote``). The direction does not matter; it must match ``group_order``.
    group_order
        The party-ID groups in the same direction (default: the group named like the first
        party, then the groups not named like a party, then the one named like the last
        party, e.g. ``rep, ind, dem`` for parties ``rep, dem``).
    questions
        ``{"issue": question_id, "vote": question_id, "group": question_id}``: which
        question asks what (default: recognised from the responses; give it when ambiguous).
    subgroup_prefixes
        Prefix of the ``subgroup`` codes of each variable (default ``party`` for party-ID
        groups, ``issue`` and ``vote``: ``party:dem``, ``issue:inflation``, ``vote:rep``).
    poll_ids
        Rows to use (default: all). Every row is taken to come from ONE exit poll (the same
        respondents); a figure published twice (two weightings, two outlets) must be chosen.
    poll_priority
        When a figure is published by several polls of the same exit poll (weighting updates,
        outlets), keep the one from the poll listed first here (unlisted polls come last);
        the figures set aside are listed in the notes. Without it such duplicates are refused.
    holdout
        Tables left out of the fit and predicted (``vote_by_issue``, ``issue_by_vote`` ...,
        or one subgroup's row: ``vote_by_issue:inflation``); see ``TABLE_KINDS``.

    Sampling error
    --------------
    deff
        Design effect of the exit poll (default 2.0) for rows without a published ``deff``:
        the effective sample size of a table is ``n / deff`` (each row's own ``deff`` when the
        frame has a published one; a PollFrame's ``deff_source`` "assumed 1" is not). Exit
        polls are cluster samples of polling places (plus phone samples of early voters),
        weighted heavily; their design effects are not published. 2 is a cautious
        assumption, not a published figure.
    rounding_pp
        Width of the published rounding (percentage points; default: from the published
        decimals, 1 point for whole percents). Rounding error is uniform: variance
        ``width^2 / 12``.
    nonsampling_sd_pp
        Scale (percentage points) of the half-normal prior on the non-sampling error added to
        every published figure (weighting updates between tables, secondary sources);
        default 1.

    Latent structure (see the model notes)
    --------------------------------------
    loading_split
        How the correlation between party ID and vote is shared between their loadings on
        the latent disposition (default 0.5: equally): ``lambda_group = rho ** split``,
        ``lambda_vote = rho ** (1 - split)``, between 0.05 and 0.95. Not identified by
        margins: near 0 party ID is almost a perfect measure of the disposition (least
        issue-vote association within groups), near 1 the vote is (most). Show alternatives
        in a sensitivity analysis.
    direct_sd
        Sd of the direct issue effects on the vote (probit units of a voter's own vote
        probability, zero-sum over the issues; default 1).
    issue_logit_sd, issue_slope_sd
        Priors of the issue-choice model: intercepts Normal(0, 2) and slopes on the latent
        disposition Normal(0, 1.5) (log-odds against the 'other' issue).
    other_vote_prior
        ``(a, b)`` of the Beta prior of each group's vote for none of the listed parties
        (default (1, 19): mean 5%).
    latent_nodes
        Grid points on the latent disposition (default 61 on -6..6 sd; on the 2022 exit
        poll's posterior the cells then differ from a 481-point grid by about 1e-4 points).

    Issues
    ------
    issue_order
        The listed issues in the order results show them (default: by their overall
        published share, largest first).
    check_issue_names, issue_aliases
        Refuse issue names that look like one issue spelled two ways; ``{name: canonical}``
        merges spellings.
    extra_issues
        Issues absent from the exit poll's list, taken out of the 'other' remainder for
        counterfactuals: ``{"war in Ukraine": {"share": 0.02, "share_sd": 0.01, "split":
        {"rep": 0.45, "dem": 0.55}, "split_sd": 0.08}}`` (proportions; stated assumptions,
        drawn per posterior draw).
    """

    vote: dict[str, float] = field(default_factory=dict)
    vote_sd_pp: float = 0.5
    party_order: tuple[str, ...] | None = None
    group_order: tuple[str, ...] | None = None
    questions: dict[str, str] = field(default_factory=dict)
    subgroup_prefixes: dict[str, str] = field(
        default_factory=lambda: {"group": "party", "issue": "issue", "vote": "vote"})
    poll_ids: tuple[str, ...] | None = None
    poll_priority: tuple[str, ...] = ()
    holdout: tuple[str, ...] = ()
    deff: float = DEFAULT_DEFF
    rounding_pp: float | None = None
    nonsampling_sd_pp: float = 1.0
    loading_split: float = 0.5
    direct_sd: float = 1.0
    issue_logit_sd: float = 2.0
    issue_slope_sd: float = 1.5
    other_vote_prior: tuple[float, float] = (1.0, 19.0)
    latent_nodes: int = 61
    issue_order: tuple[str, ...] | None = None
    check_issue_names: bool = True
    issue_aliases: dict[str, str] = field(default_factory=dict)
    extra_issues: dict[str, dict[str, Any]] = field(default_factory=dict)

    model_label = "IssueVote"

    def problems(self) -> list[str]:
        out: list[str] = []
        if not self.vote:
            out.append("vote= is required: the known vote of the listed parties, e.g. the "
                       "official count {'rep': 54227992, 'dem': 51280463}")
        elif any(float(v) <= 0 for v in self.vote.values()) or len(self.vote) < 2:
            out.append(f"vote must give at least two parties with positive shares or counts "
                       f"(got {self.vote})")
        if "other" in self.vote:
            out.append("'other' is the model's name for votes outside the listed parties: "
                       "leave it out of vote=")
        if self.party_order is not None and set(self.party_order) != set(self.vote):
            out.append(f"party_order {list(self.party_order)} must list exactly the parties "
                       f"of vote ({sorted(self.vote)})")
        unknown = sorted(set(self.questions) - set(ROLES))
        if unknown:
            out.append(f"questions= takes the keys {list(ROLES)}, not {unknown}")
        if set(self.subgroup_prefixes) != set(ROLES):
            out.append(f"subgroup_prefixes must name a prefix for each of {list(ROLES)}")
        for spec in self.holdout:
            kind = str(spec).split(":", 1)[0]
            if kind not in TABLE_KINDS:
                out.append(f"holdout {spec!r}: unknown table (tables: {', '.join(TABLE_KINDS)})")
        out += self._number_problems()
        for spec in normalise_extra_issues(self.extra_issues).values():
            unknown_parties = set(spec["split"]) - set(self.vote) - {"other"}
            if unknown_parties:
                out.append(f"extra issue split names unknown part(ies) "
                           f"{sorted(unknown_parties)}; parties: {sorted(self.vote)}")
        return out

    def _number_problems(self) -> list[str]:
        out = []
        if not self.vote_sd_pp > 0:
            out.append("vote_sd_pp must be positive (0.1 treats the vote as known)")
        if not self.deff >= 1:
            out.append(f"deff must be >= 1 (got {self.deff})")
        if self.rounding_pp is not None and not self.rounding_pp >= 0:
            out.append("rounding_pp must be >= 0")
        for name in ("nonsampling_sd_pp", "direct_sd", "issue_logit_sd", "issue_slope_sd"):
            if not getattr(self, name) > 0:
                out.append(f"{name} must be positive")
        if not 0.05 <= self.loading_split <= 0.95:
            out.append("loading_split must be between 0.05 and 0.95 (at 0 or 1 one loading "
                       "is 1: a step function the sampler cannot follow)")
        if len(self.other_vote_prior) != 2 or min(self.other_vote_prior) <= 0:
            out.append("other_vote_prior must be two positive numbers (a, b) of a Beta prior")
        if not 21 <= int(self.latent_nodes) <= 1001:
            out.append("latent_nodes must be between 21 and 1001")
        return out

    def vote_proportions(self) -> dict[str, float]:
        """The known vote of the listed parties as proportions (summing to 1), in party
        order."""
        order = self.party_order or tuple(self.vote)
        total = sum(float(self.vote[p]) for p in order)
        return {str(p): float(self.vote[p]) / total for p in order}
