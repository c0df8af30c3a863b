"""opinion: public-opinion and election-impact statistics.

Load polls (``read_polls``) and microdata (``read_microdata``), validate them, weight and
tabulate them (``opinion.survey``), and model them (``opinion.models``).
"""

from opinion import datasets
from opinion.frames import Microdata, PollFrame, read_polls
from opinion.io.microdata import read_microdata

__version__ = "0.1.0"

__all__ = ["Microdata", "PollFrame", "__version__", "datasets", "read_microdata", "read_polls"]
