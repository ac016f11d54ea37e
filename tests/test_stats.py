"""dojo.stats: ranges whose false-failure rate is what they claim, checked by simulation
at rates loose enough to count (1e-2, 1e-3), and power against a std 10% off.

Every simulation is seeded: these tests give the same counts on every run. The
accepted counts are wide (for 1000 draws at 1e-2, 10 expected: 2 to 22, outside
which a binomial(1000, 0.01) falls with probability below 0.001).
"""

from __future__ import annotations

import math
import re

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dojo import stats
from dojo.outcomes import WrongAnswer

F64 = torch.float64
TRIALS = 1000
N = 4096  # the fewest weights kata 06 draws for its statistics
EXPECTED_RANGE = range(2, 23)  # failures of 1000 draws at 1e-2


def draws(kind: str, n: int, *, seed: int, trials: int = TRIALS, std: float = 1.0) -> torch.Tensor:
    """`trials` rows of `n` independent draws with mean 0 and standard deviation `std`."""
    g = torch.Generator().manual_seed(seed)
    if kind == "normal":
        x = torch.randn(trials, n, generator=g, dtype=F64)
    elif kind == "uniform":  # kurtosis 1.8
        x = (torch.rand(trials, n, generator=g, dtype=F64) * 2 - 1) * math.sqrt(3)
    elif kind == "laplace":  # kurtosis 6
        u = torch.rand(trials, n, generator=g, dtype=F64) - 0.5
        x = -torch.sign(u) * torch.log1p(-2 * u.abs()) / math.sqrt(2)
    else:  # pragma: no cover
        raise ValueError(kind)
    return x * std


def failures(
    x: torch.Tensor, std: float, rate: float, *, max_kurtosis: float = 3.0
) -> tuple[int, int]:
    """How many rows of `x` fall outside the mean range, and outside the std range."""
    n = x.shape[1]
    mean_range = stats.mean_interval(std, n, rate)
    std_range = stats.std_interval(std, n, rate, max_kurtosis=max_kurtosis)
    means, stds = x.mean(dim=1).tolist(), x.std(dim=1).tolist()
    return (
        sum(m not in mean_range for m in means),
        sum(s not in std_range for s in stds),
    )


# --- z, rates and chi2 quantiles ----------------------------------------------


@pytest.mark.parametrize(
    ("rate", "z"), [(0.05, 1.959964), (0.01, 2.575829), (1e-6, 4.891638), (1e-9, 6.109410)]
)
def test_z_two_sided_matches_the_normal_tables(rate, z):
    assert stats.z_two_sided(rate) == pytest.approx(z, abs=1e-5)


@pytest.mark.parametrize("rate", [0.0, 1.0, -0.1, 2.0, math.nan])
def test_a_rate_outside_0_and_1_is_refused(rate):
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        stats.z_two_sided(rate)


def test_per_check_rate_is_a_union_bound_with_a_margin():
    assert stats.per_check_rate(1e-6, 100) == pytest.approx(1e-6 / 100 / stats.MARGIN)
    assert stats.per_check_rate(1e-6, 100, margin=1.0) == pytest.approx(1e-8)
    with pytest.raises(ValueError, match="at least one check"):
        stats.per_check_rate(1e-6, 0)
    with pytest.raises(ValueError, match="margin"):
        stats.per_check_rate(1e-6, 1, margin=0.5)


@pytest.mark.parametrize(
    ("p", "k", "quantile", "tolerance"),
    [
        (0.95, 10, 18.307, 0.002),
        (0.05, 10, 3.940, 0.01),
        (0.975, 100, 129.561, 0.0005),
        (0.025, 100, 74.222, 0.0005),
        (0.999, 1000, 1143.917, 0.0002),
        (0.001, 1000, 867.479, 0.0002),
    ],
)
def test_chi2_quantile_matches_the_tables(p, k, quantile, tolerance):
    assert stats.chi2_quantile(p, k) == pytest.approx(quantile, rel=tolerance)


def chi2_tails(k: float, low: float, high: float) -> tuple[float, float]:
    """P(X < low) and P(X > high) for X ~ chi2(k), from the regularised incomplete
    gamma function (series below the mean, continued fraction above: Numerical Recipes)."""
    a = k / 2

    def scale(x: float) -> float:
        return math.exp(a * math.log(x) - x - math.lgamma(a))

    def lower(x: float) -> float:  # P(a, x) for x < a + 1
        term = total = 1.0 / a
        n = 0
        while term > total * 1e-17:
            n += 1
            term *= x / (a + n)
            total += term
        return scale(x) * total

    def upper(x: float) -> float:  # Q(a, x) for x >= a + 1, Lentz's method
        b = x + 1 - a
        c, d = 1e300, 1 / b
        h = d
        for i in range(1, 100_000):
            an = -i * (i - a)
            b += 2
            d = 1 / (an * d + b)
            c = b + an / c
            h *= d * c
            if abs(d * c - 1) < 1e-16:
                break
        return scale(x) * h

    return lower(low / 2), upper(high / 2)


@pytest.mark.parametrize("k", [49, 1000, 4095, 65535])
@pytest.mark.parametrize("p", [1e-2, 1e-6, 1e-10])
def test_chi2_quantile_tails_hold_at_most_their_probability(k, p):
    # Checked against the exact chi2 distribution, down to the rates kata 06 uses.
    below, above = chi2_tails(k, stats.chi2_quantile(p, k), stats.chi2_quantile(1 - p, k))
    assert below <= 1.001 * p and above <= 1.001 * p
    if k >= 1000:
        assert below >= 0.96 * p and above >= 0.96 * p  # and not much less: no lost power


@given(
    n=st.integers(2, 10**7),
    rate=st.floats(1e-15, 0.5),
    std=st.floats(1e-6, 1e6),
    kurtosis=st.floats(1.1, 10.0),
)
def test_ranges_are_ordered_around_what_they_expect(n, rate, std, kurtosis):
    mean_range = stats.mean_interval(std, n, rate)
    assert mean_range.low < 0.0 < mean_range.high
    assert mean_range.high == pytest.approx(-mean_range.low)
    std_range = stats.std_interval(std, n, rate, max_kurtosis=kurtosis)
    assert 0.0 <= std_range.low < std < std_range.high
    assert std in std_range and math.nan not in std_range


def test_std_ranges_narrow_with_more_values_and_widen_with_heavier_tails():
    small, large = stats.std_interval(1.0, 100, 1e-6), stats.std_interval(1.0, 10_000, 1e-6)
    assert small.low < large.low and large.high < small.high
    normal = stats.std_interval(1.0, 4096, 1e-6)
    heavy = stats.std_interval(1.0, 4096, 1e-6, max_kurtosis=6.0)
    assert heavy.low < normal.low and normal.high < heavy.high


def test_ranges_refuse_too_few_values():
    with pytest.raises(ValueError, match="at least two"):
        stats.std_interval(1.0, 1, 0.01)
    with pytest.raises(ValueError, match="at least one"):
        stats.mean_interval(1.0, 0, 0.01)
    with pytest.raises(ValueError, match="kurtosis"):
        stats.std_interval(1.0, 10, 0.01, max_kurtosis=1.0)


def test_intervals_describe_themselves_for_a_learner():
    assert stats.Interval(-0.0021, 0.0021, 0.0).describe() == "0 ± 0.0021"
    assert stats.Interval(0.0295, 0.0338, 0.0316).describe() == "0.0295 to 0.0338"


# --- the false-failure rate, by simulation ---------------------------------------


@pytest.mark.parametrize("n", [N, 50])
def test_normal_draws_fail_at_the_rate_asked_for(n):
    for seed in range(3):
        mean_failures, std_failures = failures(draws("normal", n, seed=seed), 1.0, 1e-2)
        assert mean_failures in EXPECTED_RANGE, (seed, mean_failures)
        assert std_failures in EXPECTED_RANGE, (seed, std_failures)


def test_normal_draws_fail_at_the_rate_asked_for_further_out():
    # 10,000 draws at 1e-3: 10 expected, in the tails the approximations must get right.
    x = draws("normal", 1000, seed=11, trials=10_000)
    mean_failures, std_failures = failures(x, 1.0, 1e-3)
    assert mean_failures in EXPECTED_RANGE
    assert std_failures in EXPECTED_RANGE


@pytest.mark.parametrize("n", [N, 50])
def test_uniform_draws_fail_the_std_range_less_often_than_normal_ones(n):
    # The std range assumes the normal's kurtosis (3); a uniform's is 1.8: its
    # sample std wanders less, so the range is conservative for it.
    for seed in range(3):
        mean_failures, std_failures = failures(draws("uniform", n, seed=seed), 1.0, 1e-2)
        assert mean_failures in EXPECTED_RANGE, (seed, mean_failures)
        assert std_failures <= 2, (seed, std_failures)


def test_heavier_tails_need_their_kurtosis():
    x = draws("laplace", N, seed=5)
    _, assuming_normal = failures(x, 1.0, 1e-2)
    _, std_failures = failures(x, 1.0, 1e-2, max_kurtosis=6.0)
    assert std_failures in EXPECTED_RANGE
    assert assuming_normal > 3 * len(EXPECTED_RANGE)  # the normal range is too narrow


def test_assert_mean_std_fails_correct_samples_at_its_rate():
    x = draws("normal", N, seed=21)
    failed = 0
    for row in x:
        try:
            stats.assert_mean_std(row, 1.0, rate=1e-2)
        except WrongAnswer:
            failed += 1
    assert failed in EXPECTED_RANGE


# --- power: what a test at kata 06's rates catches -------------------------------

# Kata 06 runs at most max_examples + 2 examples per test; at the learner profile
# (50) each example gets this rate, split between the std and the mean.
KATA_RATE = stats.per_check_rate(stats.FALSE_FAILURE_RATE, 52)


@pytest.mark.parametrize(("kind", "factor"), [("normal", 1.1), ("uniform", 1.1),
                                              ("normal", 0.9), ("uniform", 0.9)])
def test_a_std_10_percent_off_is_caught_in_99_percent_of_examples(kind, factor):
    x = draws(kind, N, seed=31, std=factor)
    _, caught = failures(x, 1.0, KATA_RATE / 2)
    assert caught >= 0.99 * TRIALS


def test_a_mean_shifted_by_a_sixth_of_the_std_is_always_caught():
    x = draws("normal", N, seed=41) + 1 / 6
    caught, _ = failures(x, 1.0, KATA_RATE / 2)
    assert caught == TRIALS


def test_correct_samples_pass_at_the_kata_rate():
    x = draws("normal", N, seed=51)
    for row in x:
        stats.assert_mean_std(row, 1.0, rate=KATA_RATE)  # raises on a false failure


# --- assert_mean_std: what the learner reads -------------------------------------


def message(sample: torch.Tensor, std: float, **kwargs: object) -> str:
    with pytest.raises(WrongAnswer) as info:
        stats.assert_mean_std(sample, std, rate=1e-6, **kwargs)  # type: ignore[arg-type]
    return str(info.value)


def test_a_wrong_std_names_both_stds_the_range_and_the_factor():
    x = draws("normal", N, seed=61, trials=1)[0]  # std 1 where 1/64 is expected
    text = message(x, 1 / 64, name="your weights", hint="multiply by the std")
    first = text.splitlines()[0]
    assert first.startswith("the std of your weights is 1")
    assert "but should be 0.0156: with n=4096 values a correct one gives 0.0" in first
    assert "times too large" in first
    assert "the mean" not in text  # off only because the std is: not a second mistake
    assert text.endswith("\nLook at: multiply by the std")


def test_a_shifted_mean_is_reported_with_its_range():
    x = draws("normal", N, seed=62, trials=1)[0] + 0.5  # like torch.rand: all positive
    text = message(x, 1.0)
    assert "the std" not in text
    assert re.match(r"the mean of the weights is 0\.49?\d*, but should be 0", text), text
    assert "but should be 0: with n=4096 values a correct one gives 0 ± 0.0" in text


def test_a_wrong_std_and_a_shifted_mean_are_both_reported():
    x = draws("uniform", N, seed=63, trials=1)[0] / math.sqrt(12) + 0.5  # torch.rand
    lines = message(x, 1.0).splitlines()
    assert lines[0].startswith("the std of the weights is 0.2")
    assert "times too small" in lines[0]
    assert lines[1].startswith("the mean of the weights is 0.5")


def test_values_that_are_not_numbers_are_named():
    x = torch.ones(100)
    x[3] = math.inf
    x[7] = math.nan
    text = message(x, 1.0)
    assert text.startswith("the weights contain 2 values that are not finite numbers")


def test_a_sample_too_small_for_a_std_is_a_usage_error():
    with pytest.raises(ValueError, match="no standard deviation"):
        stats.assert_mean_std(torch.zeros(1), 1.0, rate=1e-6)


def test_sample_statistics_are_float64_whatever_the_dtype():
    x = torch.tensor([1.0, 2.0, 4.0], dtype=torch.float32)
    mean, std = stats.sample_mean_std(x)
    assert (mean, std) == pytest.approx((7 / 3, math.sqrt(7 / 3)))
    assert type(mean) is float and type(std) is float
