"""Cost and feasibility estimates, and the Taker/Shaper/Maker recommendation.

Pure functions over pydantic models (no database): :func:`estimate` and
:func:`recommend_archetype`. Formulas are documented in :mod:`usecases.estimates.engine`, the
defaults and their sources in :mod:`usecases.estimates.assumptions` and ``CALIBRATION.md``.
"""
