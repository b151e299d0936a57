"""The reporting service's rules: administrative units, periods, indicators (pure)."""
