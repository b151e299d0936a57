"""Reference data every service validates against: units, ethnic groups, citizen ID rules."""
