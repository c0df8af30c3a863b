"""Validated frames: PollFrame (toplines) and Microdata (respondent-level data)."""

from opinion.frames.microdata import Microdata, kish_deff
from opinion.frames.pollframe import PollFrame, read_polls

__all__ = ["Microdata", "PollFrame", "kish_deff", "read_polls"]
