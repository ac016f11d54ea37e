"""Statistics for graded tests of random results, with a known false-failure rate.

A random function (a weight initialisation) cannot be compared value by value
with PyTorch. Its tests compare statistics of a sample, the mean and the
standard deviation, with the range those statistics fall in when the function
is correct, and fail outside it. Every range is built for a false-failure
`rate`: the probability that a correct function lands outside it. A test
stays below `FALSE_FAILURE_RATE` (one run in a million) by splitting that rate
between all the checks it can make (a union bound, `per_check_rate`), with a
margin for the approximations below.

The sampling distributions, for n independent draws with standard deviation s:

- the sample mean is N(0, s**2 / n): exactly for normal draws, by the central
  limit theorem otherwise (uniform draws have lighter tails than normal ones,
  so the normal range is conservative for them);
- the sample variance is s**2 * chi2(n - 1) / (n - 1) exactly for normal draws.
  For other distributions its variance is about s**4 * (kurtosis - 1) / n, so a
  chi2 with 2 * (n - 1) / (kurtosis - 1) degrees of freedom has the same mean
  and variance. `std_interval` uses the largest kurtosis accepted (3, that of
  the normal, by default): uniform draws (kurtosis 1.8) fall inside its range
  even more often. chi2 quantiles come from the Wilson-Hilferty approximation.

tests/test_stats.py checks these rates by simulation at looser rates (1e-2),
and the power against a standard deviation 10% off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import torch

from dojo.i18n import N_, _
from dojo.outcomes import WrongAnswer

FALSE_FAILURE_RATE = 1e-6  # per graded test: a correct implementation fails once in a million runs
MARGIN = 10.0  # per_check_rate asks each check for 10x less, for the approximations above
NORMAL_KURTOSIS = 3.0
UNIFORM_KURTOSIS = 1.8

_STANDARD_NORMAL = NormalDist()


def _check_rate(rate: float) -> None:
    if not 0.0 < rate < 1.0:
        raise ValueError(f"rate={rate!r}: a false-failure rate lies strictly between 0 and 1")


def z_two_sided(rate: float) -> float:
    """The z with P(|Z| > z) = `rate` for a standard normal Z (1.96 for 0.05)."""
    _check_rate(rate)
    return -_STANDARD_NORMAL.inv_cdf(rate / 2)  # the lower tail: no 1 - p cancellation


def per_check_rate(test_rate: float, checks: int, *, margin: float = MARGIN) -> float:
    """The rate each of `checks` two-sided checks may have so that a test making them
    all fails a correct implementation with probability below `test_rate`.

    A union bound (the probabilities add up at worst), divided again by `margin`
    to absorb the error of the approximations (Wilson-Hilferty, central limit
    theorem for draws that are not normal).
    """
    _check_rate(test_rate)
    if checks < 1:
        raise ValueError(f"checks={checks!r}: a test makes at least one check")
    if margin < 1.0:
        raise ValueError(f"margin={margin!r}: a margin below 1 would raise the rate")
    return test_rate / (checks * margin)


@dataclass(frozen=True)
class Interval:
    """The range `[low, high]` a correct statistic falls in; `expected` is its centre."""

    low: float
    high: float
    expected: float

    def __contains__(self, value: float) -> bool:
        return self.low <= value <= self.high  # False for nan

    def describe(self) -> str:
        """`0 ± 0.0021` when symmetric about `expected`, `0.0295 to 0.0338` otherwise."""
        below, above = self.expected - self.low, self.high - self.expected
        if math.isclose(below, above, rel_tol=1e-9):
            return f"{self.expected:.3g} ± {above:.3g}"
        return _("{low:.3g} to {high:.3g}").format(low=self.low, high=self.high)


def mean_interval(std: float, n: int, rate: float, *, mean: float = 0.0) -> Interval:
    """Where the mean of `n` independent draws with mean `mean` and standard deviation
    `std` falls, but for a probability `rate`: `mean ± z * std / sqrt(n)`."""
    if n < 1:
        raise ValueError(f"n={n!r}: a mean needs at least one value")
    half = z_two_sided(rate) * std / math.sqrt(n)
    return Interval(mean - half, mean + half, mean)


def chi2_quantile(p: float, k: float) -> float:
    """The `p` quantile of a chi2 distribution with `k` degrees of freedom, by the
    Wilson-Hilferty approximation. Its tails hold a probability within 1% of `p`
    for k >= 1000 down to p = 1e-10, and less than `p` (so the ranges built on it
    are conservative) for every k from 49 up that tests/test_stats.py checks."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p={p!r}: a quantile's probability lies strictly between 0 and 1")
    if k <= 0:
        raise ValueError(f"k={k!r}: degrees of freedom are positive")
    z = _STANDARD_NORMAL.inv_cdf(p)
    c = 2.0 / (9.0 * k)
    base = 1.0 - c + z * math.sqrt(c)
    return k * max(base, 0.0) ** 3


def std_interval(
    std: float, n: int, rate: float, *, max_kurtosis: float = NORMAL_KURTOSIS
) -> Interval:
    """Where the sample standard deviation (n - 1 in the denominator) of `n` independent
    draws with standard deviation `std` falls, but for a probability `rate`.

    Exact (up to Wilson-Hilferty) for normal draws, and conservative for every
    distribution whose kurtosis is at most `max_kurtosis` (3, the normal's, by
    default; a uniform's is 1.8).
    """
    if n < 2:
        raise ValueError(f"n={n!r}: a standard deviation needs at least two values")
    if max_kurtosis <= 1.0:
        raise ValueError(f"max_kurtosis={max_kurtosis!r}: every kurtosis is above 1")
    _check_rate(rate)
    k = 2.0 * (n - 1) / (max_kurtosis - 1.0)
    low = chi2_quantile(rate / 2, k) / k
    high = chi2_quantile(1.0 - rate / 2, k) / k
    return Interval(std * math.sqrt(low), std * math.sqrt(high), std)


def sample_mean_std(sample: torch.Tensor) -> tuple[float, float]:
    """The mean and the standard deviation (n - 1 in the denominator) of every value of
    `sample`, computed in float64 on the CPU."""
    values = sample.detach().to(device="cpu", dtype=torch.float64).reshape(-1)
    return float(values.mean()), float(values.std())


def _times(ratio: float) -> str:
    if ratio > 1:
        return _("{ratio:.3g} times too large").format(ratio=ratio)
    if ratio > 0:
        return _("{ratio:.3g} times too small").format(ratio=1 / ratio)
    return _("zero")


def assert_mean_std(
    sample: torch.Tensor,
    std: float,
    *,
    rate: float,
    mean: float = 0.0,
    name: str = N_("the weights"),
    hint: str = "",
    max_kurtosis: float = NORMAL_KURTOSIS,
) -> None:
    """Fail with `WrongAnswer` unless the values of `sample` look like independent draws
    with mean `mean` and standard deviation `std`.

    Makes two checks, the standard deviation and the mean, each at `rate / 2`, so
    a correct sample fails with probability below `rate`. The message gives the
    sample's statistics and the ranges a correct one falls in (the mean only when
    it is off for the sample's own std too, when the std is wrong):
    `the std of the weights is 0.98, but should be 0.0316: with n=4096 values a
    correct one gives 0.0295 to 0.0338 (31 times too large)`.
    """
    __tracebackhide__ = True
    name = _(name) if name else name
    look_at = "\n" + _("Look at: {hint}").format(hint=hint) if hint else ""
    n = sample.numel()
    if n < 2:
        raise ValueError(f"a sample of {n} values has no standard deviation: draw more")
    values = sample.detach().to(device="cpu", dtype=torch.float64).reshape(-1)
    finite = torch.isfinite(values)
    if not bool(finite.all()):
        bad = values[~finite][0].item()
        raise WrongAnswer(
            _("{name} contain {count} values that are not finite numbers (such as {bad!r}) "
              "among {n}").format(name=name, count=int((~finite).sum()), bad=bad, n=n)
            + look_at
        )
    got_mean, got_std = float(values.mean()), float(values.std())
    mean_range = mean_interval(std, n, rate / 2, mean=mean)
    std_range = std_interval(std, n, rate / 2, max_kurtosis=max_kurtosis)
    lines = []
    if got_std not in std_range:
        lines.append(
            _("the std of {name} is {got:.3g}, but should be {want:.3g}: with n={n} values "
              "a correct one gives {range} ({ratio})").format(
                name=name, got=got_std, want=std, n=n, range=std_range.describe(),
                ratio=_times(got_std / std),
            )
        )
    # With the wrong std the mean wanders more: report it only when it is off for
    # the std the sample has too, so that it points at a second mistake.
    own_range = mean_interval(got_std, n, rate / 2, mean=mean)
    if got_mean not in mean_range and (not lines or got_mean not in own_range):
        lines.append(
            _("the mean of {name} is {got:.3g}, but should be {want:.3g}: with n={n} "
              "values a correct one gives {range}").format(
                name=name, got=got_mean, want=mean, n=n, range=mean_range.describe()
            )
        )
    if not lines:
        return
    odds = math.floor(-math.log10(rate))
    lines.append(
        _("(a correct one falls outside these ranges less than once in 10^{odds} tries)").format(
            odds=odds
        )
    )
    raise WrongAnswer("\n".join(lines) + look_at)
