"""Release readiness: the built sdist and wheel, their metadata, and the wheel installed."""
