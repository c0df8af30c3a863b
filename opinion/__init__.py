"""opinion: public-opinion and election-impact statistics.

Load polls (``read_polls``) and microdata (``read_microdata``), validate them, weight and
tabulate them (``opinion.survey``), and model them (``opinion.models``).
"""

import time as _time

_START = _time.perf_counter()  # reports state the runtime of the whole analysis

from opinion import datasets  # noqa: E402
from opinion.frames import Microdata, PollFrame, read_polls  # noqa: E402
from opinion.io.microdata import read_microdata  # noqa: E402

__version__ = "0.1.0"

__all__ = ["Microdata", "PollFrame", "__version__", "datasets", "read_microdata", "read_polls"]
