"""The ways a graded test can end, as exceptions the plugin turns into verdicts.

`NotStarted`, `RuleBroken` and `TooSlow` derive from `BaseException` on purpose:
Hypothesis does not catch them, so the test stops at once instead of shrinking
an example that cannot teach anything more, and a learner's `except Exception`
cannot swallow them.
"""

from __future__ import annotations

import re

from dojo.i18n import N_, _

PLACEHOLDER = re.compile(r"^kata (?P<kata>\S+): implement (?P<name>\S+)")

PASSED = "passed"
NOT_STARTED = "not started"
WRONG = "wrong"
CRASHED = "crashed"
RULE_BROKEN = "rule broken"
TOO_SLOW = "too slow"
ERROR = "error"  # the test or the harness failed, not the learner's code
NOT_GRADED = "not graded"  # the run stopped before all of a function's tests ran

# How each verdict reads, in the learner's language (the names above stay English:
# they are identifiers, recorded in progress files and reports).
_LABELS = {
    PASSED: N_("passed"),
    NOT_STARTED: N_("not started"),
    WRONG: N_("wrong"),
    CRASHED: N_("crashed"),
    RULE_BROKEN: N_("rule broken"),
    TOO_SLOW: N_("too slow"),
    ERROR: N_("error"),
    NOT_GRADED: N_("not graded"),
}


def label(verdict: str) -> str:
    """`verdict` as the learner reads it: "wrong", or its translation."""
    return _(_LABELS.get(verdict, verdict))


def placeholder_message(kata: str, name: str) -> str:
    """The message a pristine stub raises: `NotImplementedError(placeholder_message(...))`."""
    return f"kata {kata}: implement {name}"


def is_placeholder(exc: BaseException) -> bool:
    """True when `exc` is the stub's own `NotImplementedError`, not one the learner wrote."""
    return isinstance(exc, NotImplementedError) and bool(PLACEHOLDER.match(str(exc)))


class Verdict(BaseException):
    """Base of the verdicts that end a test at once."""

    verdict = ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotStarted(Verdict):
    """The stub's placeholder `NotImplementedError` was reached."""

    verdict = NOT_STARTED


class RuleBroken(Verdict):
    """The learner's code used a forbidden operation, or changed an input."""

    verdict = RULE_BROKEN


class RuleBrokenOnInput(Exception, RuleBroken):
    """A rule broken because of this input's size (an operation budget): an ordinary
    `Exception` too, so that Hypothesis shrinks the input to the smallest that breaks
    it. The guard records the violation first: a learner's `except` cannot hide it."""

    def __init__(self, message: str) -> None:
        RuleBroken.__init__(self, message)


class TooSlow(Verdict):
    """One call ran past its CPU-time limit (an endless loop, most often)."""

    verdict = TOO_SLOW


class WrongAnswer(AssertionError):
    """The learner's result differs from PyTorch's."""


class Blocked(WrongAnswer):
    """A test cannot grade its function until another one passes: a training loop whose
    model goes through a layer that is itself wrong. The failure is this message alone,
    without the input: the other function's own tests show what to fix."""


class NotDeviceReady(WrongAnswer):
    """Right on the CPU, but the code would leave its inputs' device on a GPU (found on
    meta tensors: see dojo.readiness). Shown with the input it was checked on."""
