"""Results objects returned by fitted models."""
