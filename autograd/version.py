"""The version of stepgrad: the one place it is written (pyproject.toml reads it from here).

autograd, nn and viz ship together in one distribution, so they share this number.
"""

__version__ = "0.1.0"
