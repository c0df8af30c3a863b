"""opinion: public-opinion and election-impact statistics.

Load polls (``read_polls``) and microdata (``read_microdata``), validate them, weight and
tabulate them (``opinion.survey``), model them (``opinion.models``) and reload saved fits
(``load_results``). Bundled data: ``opinion.datasets``. Names are imported on first use.
"""

from opinion.lazy import lazy_exports

__version__ = "0.1.0"

_EXPORTS = {
    "Microdata": "opinion.frames",
    "PollFrame": "opinion.frames",
    "read_polls": "opinion.frames",
    "read_microdata": "opinion.frames",
    "load_results": "opinion.models.core.results",
}
__all__ = ["Microdata", "PollFrame", "__version__", "datasets", "load_results",
           "read_microdata", "read_polls"]
_lazy_getattr, __dir__ = lazy_exports(__name__, _EXPORTS)


def __getattr__(name: str):
    if name == "datasets":
        import importlib

        return importlib.import_module("opinion.datasets")
    return _lazy_getattr(name)
