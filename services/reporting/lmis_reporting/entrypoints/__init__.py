"""The reporting service's entry points: HTTP routes and stream agents."""
