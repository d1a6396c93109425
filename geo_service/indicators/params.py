"""Every tunable parameter of the indicators, with its documented default, in one place.

docs/indicators.md explains each one; :meth:`IndicatorParams.replace` checks overrides so a bad
value (from a command option or an API query) is a clear :class:`InvalidParameter`, never a crash.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..catalogue.vocab import KINDS
from ..errors import InvalidParameter


@dataclass(frozen=True)
class IndicatorParams:
    """Defaults are documented in docs/indicators.md; all distances are straight-line km in EPSG:31370."""

    catchment_km: float = 30.0
    # E2SFCA distance-decay steps (upper bound km, weight): Luo & Qi (2009) weights 1 / 0.68 / 0.22,
    # the default of PySAL access' enhanced_two_stage_fca, over three 10 km zones.
    e2sfca_steps: tuple[tuple[float, float], ...] = ((10.0, 1.0), (20.0, 0.68), (30.0, 0.22))
    demand: str = "foreign"  # "foreign" (non-Belgian residents) or "total" (all residents)
    desert_km: float = 15.0
    desert_kinds: tuple[str, ...] = (
        "civic_integration_office",
        "public_employment_service",
        "social_welfare",
        "ngo_service",
        "citizen_initiative",
    )  # reception centres judge no commune (indicators.status.UNJUDGED_KINDS): see isolation_kinds
    support_kinds: tuple[str, ...] = (
        "civic_integration_office",
        "public_employment_service",
        "ngo_service",
        "citizen_initiative",
    )
    excluded_status: tuple[str, ...] = ("closed", "expired")  # expired: past its announced end date
    # the support a reception centre should have within desert_km; a centre with none is "isolated"
    isolation_kinds: tuple[str, ...] = (
        "citizen_initiative",
        "ngo_service",
        "social_welfare",
        "civic_integration_office",
        "public_employment_service",
    )

    def __post_init__(self) -> None:
        problems = []
        if not self.catchment_km > 0:
            problems.append("catchment_km must be > 0")
        if not self.desert_km > 0:
            problems.append("desert_km must be > 0")
        if self.demand not in ("foreign", "total"):
            problems.append("demand must be 'foreign' or 'total'")
        steps = list(self.e2sfca_steps)
        if not steps or any(w < 0 for _, w in steps) or [d for d, _ in steps] != sorted(d for d, _ in steps):
            problems.append("e2sfca_steps must be increasing (km, weight >= 0) pairs")
        for name in ("desert_kinds", "support_kinds", "isolation_kinds"):
            unknown = set(getattr(self, name)) - set(KINDS)
            if unknown:
                problems.append(f"{name}: unknown kinds {sorted(unknown)}")
        if problems:
            raise InvalidParameter("; ".join(problems), errors=problems)

    def replace(self, **overrides) -> IndicatorParams:
        unknown = set(overrides) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise InvalidParameter(f"unknown indicator parameters {sorted(unknown)}")
        return dataclasses.replace(self, **overrides)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)
