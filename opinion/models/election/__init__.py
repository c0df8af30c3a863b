"""From issue salience to votes: P(vote | issue) and salience counterfactuals (issue 7)."""

from opinion.models.election.config import IssueVoteConfig
from opinion.models.election.model import IssueVote
from opinion.models.election.mrp import VoteMRP

__all__ = ["IssueVote", "IssueVoteConfig", "VoteMRP"]
