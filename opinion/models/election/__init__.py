"""Election impact: ``IssueVote`` (the published tables of an exit poll) and ``VoteMRP``
(multilevel regression and poststratification of microdata), with counterfactuals."""

from opinion.lazy import lazy_exports

_EXPORTS = {
    "IssueVote": "opinion.models.election.model",
    "IssueVoteConfig": "opinion.models.election.config",
    "IssueVoteResults": "opinion.models.election.results",
    "VoteMRP": "opinion.models.election.mrp",
    "VoteMRPConfig": "opinion.models.election.mrp_config",
    "VoteMRPResults": "opinion.models.election.mrp_results",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
