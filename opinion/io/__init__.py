"""Reading files and bundled data from disk."""

from opinion.io.microdata import MICRODATA_SUFFIXES, read_microdata

__all__ = ["MICRODATA_SUFFIXES", "read_microdata"]
