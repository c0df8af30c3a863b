"""From issue salience to votes: P(vote | issue) and salience counterfactuals (issue 7)."""

from opinion.models.election.config import IssueVoteConfig
from opinion.models.election.model import IssueVote

__all__ = ["IssueVote", "IssueVoteConfig"]
