"""Reading files and bundled data from disk."""
