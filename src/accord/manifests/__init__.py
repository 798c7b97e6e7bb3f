"""Validation of `accord/v1` manifests: load (loader), check and normalise (validate)."""
