"""The package version: the one place it is written (``[tool.hatch.version]`` reads it)."""

__version__ = "0.1.0.dev0"
