"""Use cases of the reporting service: the read queries behind its API."""
