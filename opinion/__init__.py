"""opinion: public-opinion and election-impact statistics."""
