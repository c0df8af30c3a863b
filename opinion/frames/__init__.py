"""Validated frames: PollFrame (toplines) and Microdata (respondent-level data)."""

from opinion.frames.microdata import Microdata, kish_deff, read_microdata
from opinion.frames.pollframe import PollFrame, pollframe_from_topline, read_polls

__all__ = ["Microdata", "PollFrame", "kish_deff", "pollframe_from_topline", "read_microdata",
           "read_polls"]
