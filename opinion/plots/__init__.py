"""Figures (seaborn/matplotlib) with one consistent theme."""
