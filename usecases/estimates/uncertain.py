"""Uncertain inputs: an exact number, a range, or a named distribution, and how to sample them.

Any numeric driver of an estimate accepts one of:

- a number: ``1200`` (exact; every sample uses it);
- a range: ``{"low": 800, "high": 1500}`` (uniform), or with ``"mode": 1000`` (triangular);
- a distribution:
  ``{"distribution": "uniform", "low": a, "high": b}``,
  ``{"distribution": "triangular", "low": a, "mode": m, "high": b}``,
  ``{"distribution": "normal", "mean": m, "sd": s}``,
  ``{"distribution": "lognormal", "median": m, "sigma": s}`` (``sigma`` of the logarithm).

Samples are drawn from a seeded ``random.Random`` so a run can be reproduced, and clipped to the
bounds of the driver (a normal cannot make a negative request count).
"""

from __future__ import annotations

import math
import random
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

__all__ = [
    "Bounds",
    "Distribution",
    "LogNormal",
    "Normal",
    "Range",
    "Triangular",
    "Uncertain",
    "Uniform",
    "is_exact",
    "sample",
    "support",
]


class _Strict(BaseModel):
    # NaN and infinities are refused everywhere ("must be a finite number").
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)


def _ordered(low: float, high: float, mode: float | None) -> None:
    if high < low:
        raise ValueError("high must be greater than or equal to low")
    if mode is not None and not low <= mode <= high:
        raise ValueError("mode must lie between low and high")


class Range(_Strict):
    """Between ``low`` and ``high``: uniform, or triangular when a ``mode`` is given."""

    low: float
    high: float
    mode: float | None = None

    @model_validator(mode="after")
    def _check(self) -> Range:
        _ordered(self.low, self.high, self.mode)
        return self


class Uniform(_Strict):
    distribution: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _check(self) -> Uniform:
        _ordered(self.low, self.high, None)
        return self


class Triangular(_Strict):
    distribution: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _check(self) -> Triangular:
        _ordered(self.low, self.high, self.mode)
        return self


class Normal(_Strict):
    distribution: Literal["normal"]
    mean: float
    sd: Annotated[float, Field(ge=0)]


class LogNormal(_Strict):
    distribution: Literal["lognormal"]
    median: Annotated[float, Field(gt=0)]
    # sigma 3 already spans a factor of 400 between P10 and P90; beyond 5 draws overflow.
    sigma: Annotated[float, Field(ge=0, le=5)]


Distribution = Annotated[
    Uniform | Triangular | Normal | LogNormal, Field(discriminator="distribution")
]


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "distribution" if "distribution" in value else "range"
    if isinstance(value, Range):
        return "range"
    if isinstance(value, Uniform | Triangular | Normal | LogNormal):
        return "distribution"
    return "exact"


Uncertain = Annotated[
    Annotated[float, Tag("exact")]
    | Annotated[Range, Tag("range")]
    | Annotated[Distribution, Tag("distribution")],
    Discriminator(_kind),
]
# The tags above appear in validation error locations; messages for people leave them out.
TAGS = frozenset({"exact", "range", "distribution", "uniform", "triangular", "normal", "lognormal"})


class Bounds(BaseModel):
    """Where a driver's values may lie: ``minimum`` (inclusive unless ``above``) to ``maximum``."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    minimum: float = 0.0
    above: bool = False
    maximum: float = math.inf

    def describe_violation(self, value: float) -> str | None:
        # The boundary's words for a number out of range (portal.boundary._WORDS).
        if not math.isfinite(value):
            return "Enter a finite number, not NaN or infinity."
        if self.above and not value > self.minimum:
            return f"Enter a number above {_number(self.minimum)}."
        if not self.above and not value >= self.minimum:
            return f"Enter a number of at least {_number(self.minimum)}."
        if not value <= self.maximum:
            return f"Enter a number of at most {_number(self.maximum)}."
        return None

    def clip(self, value: float) -> float:
        low = math.nextafter(self.minimum, math.inf) if self.above else self.minimum
        return min(max(value, low), self.maximum)


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def support(value: float | Range | Uniform | Triangular | Normal | LogNormal) -> list[float]:
    """The values whose bounds must hold: the number, the ends of a range, a normal's mean."""
    if isinstance(value, Range | Uniform):
        return [value.low, value.high]
    if isinstance(value, Triangular):
        return [value.low, value.mode, value.high]
    if isinstance(value, Normal):
        return [value.mean]
    if isinstance(value, LogNormal):
        return [value.median]
    return [value]


def is_exact(value: object) -> bool:
    """True for a plain number (or nothing): no sampling is needed."""
    return value is None or isinstance(value, int | float)


def sample(
    value: float | Range | Uniform | Triangular | Normal | LogNormal,
    n: int,
    rng: random.Random,
    bounds: Bounds,
) -> list[float]:
    """``n`` draws of ``value``, clipped to ``bounds``. A number gives ``n`` copies of itself."""
    if isinstance(value, int | float):
        return [float(value)] * n
    if (isinstance(value, Range) and value.mode is None) or isinstance(value, Uniform):
        draws = [rng.uniform(value.low, value.high) for _ in range(n)]
    elif isinstance(value, Range | Triangular):
        mode = value.mode
        draws = [rng.triangular(value.low, value.high, mode) for _ in range(n)]
    elif isinstance(value, Normal):
        draws = [rng.gauss(value.mean, value.sd) for _ in range(n)]
    else:
        mu = math.log(value.median)
        draws = [rng.lognormvariate(mu, value.sigma) for _ in range(n)]
    return [bounds.clip(draw) for draw in draws]
