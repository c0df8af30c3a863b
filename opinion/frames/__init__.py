"""Validated frames: PollFrame (toplines) and Microdata (respondent-level data)."""

from opinion.frames.pollframe import PollFrame, read_polls

__all__ = ["PollFrame", "read_polls"]
