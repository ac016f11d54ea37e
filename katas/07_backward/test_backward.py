"""Graded tests for kata 07_backward: every `.g` against torch.autograd.

Expected gradients come from autograd run on float64 copies of the same inputs
(`dojo.grads`), with a random upstream gradient `out.g` for relu_grad and
lin_grad: a gradient that ignores it, or only works for an all-ones upstream,
shows. Tolerances are rounding-error bounds that a correct computation stays
within whatever order it sums in. Inputs reach the learner as copies (`ds.on`).
"""

import contextlib

import torch
import torch.nn.functional as F
from hypothesis import assume, given
from hypothesis import strategies as st

from dojo import checks, graded, grads, show
from dojo import strategies as ds
from dojo.checks import cpu64
from dojo.i18n import N_, _, ngettext
from dojo.outcomes import RuleBroken, WrongAnswer

F64 = torch.float64
SIDE = st.integers(0, ds.MAX_SIDE)
BATCH = st.integers(1, ds.MAX_SIDE)  # mse needs N >= 1: the mean of no numbers is nan


def close(a, b):
    """Loosely equal (for guessing which mistake a wrong answer looks like)."""
    return a.shape == b.shape and bool(torch.allclose(a, b, rtol=1e-3, atol=1e-6))


def set_upstream(out, upstream):
    """`out.g = upstream`, as the layer after this one would; returns a copy to compare."""
    out.g = upstream
    return upstream.clone()


def before_the_call(upstream):
    """The lines that show the `out.g` the test set before the call."""
    code = show.tensor_code(upstream)
    return "\n" + _("Before the call, the test set:") + f"\n    out.g = {code}"


def and_list(items):
    """["inp.g"] -> "inp.g"; ["inp.g", "w.g", "b.g"] -> "inp.g, w.g and b.g"."""
    if len(items) < 2:
        return "".join(items)
    return _("{items} and {last}").format(items=", ".join(items[:-1]), last=items[-1])


@contextlib.contextmanager
def showing_upstream(upstream):
    """Add `out.g` to a wrong answer's message: the call shown below it cannot show it."""
    try:
        yield
    except WrongAnswer as exc:
        raise WrongAnswer(f"{exc}{before_the_call(upstream)}") from None


def assert_upstream_kept(function, out, upstream, copy):
    """`out.g` is the caller's: it must still be the same tensor with the same values."""
    __tracebackhide__ = True
    before = before_the_call(copy)
    if getattr(out, "g", None) is not upstream:
        raise RuleBroken(
            _(
                "{function} replaced `out.g`\n"
                "out.g is the gradient handed back by the layer after this one: read it, and "
                "put what you compute in inp.g (and w.g, b.g), not in out.g."
            ).format(function=function)
            + before
        )
    if not torch.equal(upstream, copy):
        raise RuleBroken(
            _(
                "{function} changed its input `out.g` in place\n"
                "A function must not modify its inputs, out.g included: build inp.g as a new "
                "tensor (`out.g * mask`), without writing into out.g (`out.g[mask] = 0`, "
                "`out.g *= ...`)."
            ).format(function=function)
            + before
        )


def replaces_g_hint(function, names):
    """What to look at when a second call on the same tensors gives other gradients."""
    return ngettext(
        "a second call of {function} on the same tensors must give the same {gs}: "
        "{function} replaces it (`{first}.g = ...`, as in the book). It does not add to "
        "a .g left by an earlier call (`{first}.g += ...`, `getattr({first}, 'g', 0) + "
        "...`): in a training loop every batch would add to the last one's gradients.",
        "a second call of {function} on the same tensors must give the same {gs}: "
        "{function} replaces them (`{first}.g = ...`, as in the book). It does not add to "
        "a .g left by an earlier call (`{first}.g += ...`, `getattr({first}, 'g', 0) + "
        "...`): in a training loop every batch would add to the last one's gradients.",
        len(names),
    ).format(function=function, gs=and_list([f"{n}.g" for n in names]), first=names[0])


def called_again(call, function, names, check):
    """Run the learner's function a second time on the same tensors (their .g now set by
    the first call): `check(hint)` must still pass."""
    __tracebackhide__ = True
    call()
    try:
        check(replaces_g_hint(function, names))
    except WrongAnswer as exc:
        raise WrongAnswer(
            _("after a second call of {function} on the same tensors: {failure}").format(
                function=function, failure=exc
            )
        ) from None


def read_before_set(function, sets, first, given="out.g"):
    """The "Look at:" note of a `.g` read in `function` that no one had set: `function`
    sets the `.g` of each name in `sets`."""
    def note(where):
        before = (
            _("only {given} is set before the call (by the layer after this one)").format(
                given=given
            )
            if given
            else _("no .g is set before the call: mse_grad is the first step of the backward "
                   "pass")
        )
        return ngettext(
            "{where}, which was not set: {before}. {function} computes {sets} and assigns "
            "it (`{first}.g = ...`); it does not read it first, or add to it.",
            "{where}, which was not set: {before}. {function} computes {sets} and assigns "
            "them (`{first}.g = ...`); it does not read them first, or add to them.",
            len(sets),
        ).format(
            where=where, before=before, function=function,
            sets=and_list([f"{n}.g" for n in sets]), first=first,
        )

    return note


# --- mse_grad -----------------------------------------------------------------------

MSE_GRAD_HINT = N_(
    "mse is the mean over the N rows of (inp[i, 0] - targ[i]) ** 2, so its gradient "
    "with respect to inp[i, 0] is 2 * (inp[i, 0] - targ[i]) / N. Squeeze inp's last "
    "dimension to line it up with targ, then unsqueeze(-1) the result back into a "
    "column: inp.g has inp's shape (N, 1)."
)


def mse_grad_hint(inp, targ):
    """A hint for the mistake `inp.g` looks like, or the general one."""
    n = targ.shape[0]
    got = getattr(inp, "g", None)
    if not isinstance(got, torch.Tensor):
        return _(MSE_GRAD_HINT)
    if tuple(got.shape) == (n,):
        return _(
            "inp.g must have inp's shape, ({n}, 1): a column, like inp. (inp.squeeze(-1) - "
            "targ) is ({n},); .unsqueeze(-1) (or [:, None]) turns it back into a column."
        ).format(n=n)
    if n > 1 and tuple(got.shape) == (n, n):
        return _(
            "(N, 1) - (N,) broadcasts to (N, N): here inp - targ is ({n}, {n}), every "
            "prediction against every target. Squeeze inp's last dimension first, "
            "inp.squeeze(-1) - targ, then unsqueeze(-1) the result."
        ).format(n=n)
    if got.shape != inp.shape:
        return _(MSE_GRAD_HINT)
    g = got.detach().cpu().double()
    i, t = cpu64(inp, targ)
    right = 2 * (i.squeeze(-1) - t).unsqueeze(-1) / n
    if close(g, right / 2):
        return _("the derivative of d ** 2 is 2 * d: the factor 2 is missing.")
    if n > 1 and close(g, right * n):
        return _("mse is a mean: every term of the gradient is divided by N = inp.shape[0].")
    if close(g, -right):
        return _("the sign is flipped: the gradient is 2 * (inp - targ) / N, not targ - inp.")
    return _(MSE_GRAD_HINT)


@st.composite
def mse_operands(draw):
    n = draw(BATCH, label="N")
    dtype = draw(ds.float_dtypes(), label="dtype")
    return (
        draw(ds.tensors((n, 1), dtype=dtype), label="inp"),
        draw(ds.tensors((n,), dtype=dtype), label="targ"),
    )


@graded("mse_grad")
@given(it=mse_operands())
@ds.pinned(
    "it",
    # Errors +1 and -4, N = 2: inp.g = [[1], [-4]]. Without the factor 2, [[0.5], [-2]];
    # without / N, [[2], [-8]]; without the squeeze, (2, 2); without unsqueeze, (2,).
    (torch.tensor([[1.0], [0.0]]), torch.tensor([0.0, 4.0])),
    # N = 1: inp.squeeze() (no dim) is 0-dim here, and the book's code still gives (1, 1).
    (torch.tensor([[3.0]]), torch.tensor([1.0])),
    (torch.tensor([[1.0], [-2.0], [0.5]], dtype=F64), torch.tensor([0.0, 1.0, 2.5], dtype=F64)),
    (torch.tensor([[1.0, 2.0, 3.0]]).t(), torch.tensor([0.5, 2.0, -1.0])),  # a transposed view
)
def test_mse_grad_matches_autograd(kata, device, it):
    inp, targ = ds.on(device, *it)
    with grads.explaining_missing_g(read_before_set("mse_grad", ["inp"], "inp", given="")):
        kata.mse_grad(inp, targ)
    _loss, expected = grads.autograd(
        lambda inp, targ: F.mse_loss(inp.squeeze(-1), targ), inp=inp, targ=targ
    )
    # inp.g = 2 (inp - targ) / N: a subtraction, a product and a division, each
    # rounding at most u of 2 (|inp| + |targ|) / N, in whatever order.
    i, t = cpu64(inp, targ)
    n = targ.shape[0]
    bound = checks.sum_bound(inp.dtype, 2, 2 * (i.abs() + t.abs()[:, None]) / n)

    def check(again=None):
        grads.assert_grads(
            {"inp": inp}, expected, bounds={"inp": bound}, function="mse_grad",
            hints={"inp": again or mse_grad_hint(inp, targ)},
        )

    check()
    called_again(lambda: kata.mse_grad(inp, targ), "mse_grad", ["inp"], check)


# --- relu_grad ----------------------------------------------------------------------

RELU_GRAD_HINT = N_(
    "out = relu(inp) passes inp on where inp > 0 and gives 0 where inp < 0, so "
    "inp.g = out.g where inp > 0 and 0 where inp < 0: out.g times the mask (inp > 0), "
    "element by element. The mask alone is the derivative of ReLU; the chain rule "
    "multiplies it by out.g."
)


@st.composite
def relu_operands(draw):
    shape = draw(ds.shapes(), label="shape")
    dtype = draw(ds.float_dtypes(), label="dtype")
    inp = draw(ds.tensors(shape, dtype=dtype), label="inp")
    return inp, draw(grads.upstream_gradients(shape, dtype=dtype), label="out.g")


@graded("relu_grad")
@given(params=relu_operands())
@ds.pinned(
    "params",
    # Negatives, an exact zero (either 0 or out.g is right there), positives; an
    # upstream that is not all ones, so a gradient that ignores it shows.
    (torch.tensor([-2.0, -0.5, 0.0, 0.5, 3.0]), torch.tensor([1.0, 2.0, -3.0, 4.0, -5.0])),
    (torch.tensor([[1.0, -2.0], [-3.0, 4.0]], dtype=F64).t(),  # the book's (N, nh), float64
     torch.tensor([[0.5, 2.0], [-1.0, 3.0]], dtype=F64)),
    (torch.tensor(-3.0), torch.tensor(2.0)),  # 0-dim
    (torch.tensor(2.5, dtype=F64), torch.tensor(-1.5, dtype=F64)),
    (torch.zeros(0, 3), torch.zeros(0, 3)),
)
def test_relu_grad_matches_autograd(kata, device, params):
    inp, upstream = ds.on(device, *params)
    out = inp.clamp_min(0.0)
    copy = set_upstream(out, upstream)
    with grads.explaining_missing_g(read_before_set("relu_grad", ["inp"], "inp")):
        kata.relu_grad(inp, out)
    assert_upstream_kept("relu_grad", out, upstream, copy)
    # Two right answers where inp == 0: F.relu's derivative there is 0, clamp_min's 1.
    _loss, zero_at_zero = grads.autograd(lambda inp: F.relu(inp), upstream=upstream, inp=inp)
    _loss, one_at_zero = grads.autograd(lambda inp: inp.clamp_min(0.0), upstream=upstream, inp=inp)

    def check(again=None):
        # A mask times out.g rounds nothing: exact.
        with showing_upstream(upstream):
            grads.assert_grads(
                {"inp": inp}, [zero_at_zero, one_at_zero], function="relu_grad",
                hints={"inp": again or _(RELU_GRAD_HINT)},
            )

    check()
    called_again(lambda: kata.relu_grad(inp, out), "relu_grad", ["inp"], check)


# --- lin_grad -----------------------------------------------------------------------


def lin_grad_hints(n, n_in, n_out):
    sizes = dict(n=n, n_in=n_in, n_out=n_out)
    shapes = _(
        "inp is ({n}, {n_in}), w ({n_in}, {n_out}), b ({n_out},), out.g ({n}, {n_out})"
    ).format(**sizes)
    return {
        "inp": _(
            "out = inp @ w + b, so inp.g = out.g @ w.t(): ({n}, {n_out}) @ ({n_out}, {n_in}) "
            "is ({n}, {n_in}), inp's shape. Each input reaches every output through one "
            "row of w. ({shapes}.)"
        ).format(shapes=shapes, **sizes),
        "w": _(
            "w.g = inp.t() @ out.g: ({n_in}, {n}) @ ({n}, {n_out}) is ({n_in}, {n_out}), "
            "w's shape, and sums over the batch. out.g.t() @ inp is its transpose. "
            "({shapes}.)"
        ).format(shapes=shapes, **sizes),
        "b": _(
            "b was added to every row of the batch (broadcasting), so b.g adds out.g up "
            "over the batch: out.g.sum(0), shape ({n_out},). A sum, not a mean: each "
            "row's part of the loss depends on b. ({shapes}.)"
        ).format(shapes=shapes, **sizes),
    }


@st.composite
def lin_operands(draw):
    n, n_in, n_out = draw(SIDE, label="N"), draw(SIDE, label="n_in"), draw(SIDE, label="n_out")
    dtype = draw(ds.float_dtypes(), label="dtype")
    return (
        draw(ds.tensors((n, n_in), dtype=dtype), label="inp"),
        draw(ds.tensors((n_in, n_out), dtype=dtype), label="w"),
        draw(ds.tensors((n_out,), dtype=dtype), label="b"),
        draw(grads.upstream_gradients((n, n_out), dtype=dtype), label="out.g"),
    )


SQUARE_W = torch.tensor([[1.0, -1.0], [2.0, 0.5]])  # not symmetric: a transpose shows
# Row sums [-1, 3.5], column sums [1.5, 1]: summing over the wrong axis shows.
SQUARE_UP = torch.tensor([[1.0, -2.0], [0.5, 3.0]])


@graded("lin_grad")
@given(params=lin_operands())
@ds.pinned(
    "params",
    # Every size 2: transposed or swapped products keep their shapes, values change.
    (ds.SQUARE, SQUARE_W, torch.tensor([1.0, -1.0]), SQUARE_UP),
    # N == n_out != n_in: b.g summed over dim 1 has the right shape, w.g transposed not.
    (torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.0, 2.0]]),
     torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]]), torch.tensor([0.0, 1.0]), SQUARE_UP),
    # The book's second layer: n_out = 1.
    (torch.tensor([[1.0, -1.0], [0.5, 2.0], [-3.0, 0.0]]), torch.tensor([[1.0], [-2.0]]),
     torch.tensor([0.5]), torch.tensor([[1.0], [-2.0], [3.0]])),
    # N = 1.
    (torch.tensor([[1.0, -2.0, 3.0]]), torch.tensor([[1.0, 2.0], [0.0, -1.0], [3.0, 1.0]]),
     torch.tensor([0.0, 0.0]), torch.tensor([[2.0, -1.0]])),
    # An empty batch: w.g and b.g are zeros of their shapes.
    (torch.zeros(0, 3), torch.ones(3, 2), torch.ones(2), torch.zeros(0, 2)),
    # n_in = 0: inp.g is (2, 0), w.g (0, 3).
    (torch.zeros(2, 0), torch.zeros(0, 3), torch.ones(3), torch.tensor([[1.0, 2.0, 3.0]] * 2)),
    # float64, inp a transposed view.
    (ds.SQUARE.t().to(F64), SQUARE_W.to(F64), torch.tensor([0.5, -0.5], dtype=F64),
     SQUARE_UP.to(F64)),
)
def test_lin_grad_matches_autograd(kata, device, params):
    inp, w, b, upstream = ds.on(device, *params)
    out = inp @ w + b
    copy = set_upstream(out, upstream)
    with grads.explaining_missing_g(read_before_set("lin_grad", ["inp", "w", "b"], "w")):
        kata.lin_grad(inp, out, w, b)
    assert_upstream_kept("lin_grad", out, upstream, copy)
    _loss, expected = grads.autograd(
        lambda inp, w, b: F.linear(inp, w.t(), b), upstream=upstream, inp=inp, w=w, b=b
    )
    n, n_in = inp.shape
    n_out = w.shape[1]
    bounds = {
        "inp": checks.matmul_bound(upstream, w.t()),  # out.g @ w.t()
        "w": checks.matmul_bound(inp.t(), upstream),  # inp.t() @ out.g
        "b": checks.sum_bound(inp.dtype, n, cpu64(upstream)[0].abs().sum(0)),  # out.g.sum(0)
    }
    def check(again=None):
        with showing_upstream(upstream):
            grads.assert_grads(
                {"inp": inp, "w": w, "b": b}, expected, bounds=bounds, function="lin_grad",
                hints=dict.fromkeys(("inp", "w", "b"), again) if again
                else lin_grad_hints(n, n_in, n_out),
            )

    check()
    called_again(lambda: kata.lin_grad(inp, out, w, b), "lin_grad", ["inp", "w", "b"], check)


# --- forward_and_backward -----------------------------------------------------------

ORDER = N_(
    "The backward pass runs from the loss back: mse_grad(out, targ) sets out.g; "
    "lin_grad(l2, out, w2, b2) sets l2.g, w2.g and b2.g; relu_grad(l1, l2) sets l1.g; "
    "lin_grad(inp, l1, w1, b1) sets inp.g, w1.g and b1.g. Each step reads the .g the "
    "step before it set, on the tensors of the forward pass. If mse_grad, relu_grad or "
    "lin_grad fail their own tests, fix those first."
)
MODEL_HINTS = {  # each followed by ORDER, in place of {order}
    "w2": N_("the second layer's gradients come from out.g and l2 = relu(l1), its input. "
             "{order}"),
    "b2": N_("b2.g is out.g summed over the batch. {order}"),
    "w1": N_("between the layers the gradient goes through the ReLU: relu_grad(l1, l2), "
             "before the first layer's lin_grad(inp, l1, w1, b1). {order}"),
    "b1": N_("between the layers the gradient goes through the ReLU: relu_grad(l1, l2), "
             "before the first layer's lin_grad(inp, l1, w1, b1). {order}"),
    "inp": N_("inp.g comes last, from the first layer's lin_grad(inp, l1, w1, b1). {order}"),
}


def model_hints():
    """MODEL_HINTS in the learner's language, each with ORDER."""
    return {name: _(hint).format(order=_(ORDER)) for name, hint in MODEL_HINTS.items()}


def read_too_early(where):
    """The "Look at:" note of a `.g` that forward_and_backward's steps read too early."""
    return _(
        "{where} before anything set it. The .g of a tensor is set by the backward step "
        "of the layer that took it as input, the one after it in the forward pass, so the "
        "backward pass runs from the loss back to the input: mse_grad(out, targ) sets out.g "
        "first, then lin_grad(l2, out, w2, b2) sets l2.g (and w2.g, b2.g), then relu_grad(l1, "
        "l2) sets l1.g, and lin_grad(inp, l1, w1, b1) comes last."
    ).format(where=where)


LOSS_HINT = N_(
    "return the loss of the forward pass, mse(out, targ) for out = lin(relu(lin(inp, w1, "
    "b1)), w2, b2): the 0-dim tensor mse gives, with inp's dtype (not .item(), not a "
    "Python float)."
)


def model_loss(relu_fn):
    """The kata 05 model and its mse, from PyTorch's own operations, with `relu_fn`."""

    def loss(inp, targ, w1, b1, w2, b2):
        out = F.linear(relu_fn(F.linear(inp, w1.t(), b1)), w2.t(), b2)
        return F.mse_loss(out.squeeze(-1), targ)

    return loss


def model_bounds(inp, targ, w1, b1, w2, b2):
    """Rounding bounds of a correct forward_and_backward, and whether the ReLU's mask
    is ambiguous (float64, on CPU).

    Each step's result errs in two ways: its own rounding (sum_bound of the
    magnitudes of its terms, whatever the order: |fl(AB) - AB| <= gamma_k |A||B|),
    and the errors of its inputs carried through it, multiplied by the absolute
    values of the other factor. `A*` below bound the absolute values of the
    results, learner's and exact; `E*` bound their errors. sum_bound's factor 2
    also covers the float64 reference's own rounding, at every step.

    A hidden pre-activation h within its bound of 0 but not 0 could have either
    sign in the learner's dtype, and the ReLU's mask with it: such draws are
    ambiguous (rare). One exactly 0 is 0 for the learner too (whole numbers,
    exact in any order): the two conventions at 0 are both accepted.
    """
    dtype = inp.dtype
    x, t, w1, b1, w2, b2 = cpu64(inp, targ, w1, b1, w2, b2)
    n, n_in = x.shape
    nh = w1.shape[1]

    def sb(terms, magnitude):
        return checks.sum_bound(dtype, terms, magnitude)

    # Forward: l1 = x @ w1 + b1, l2 = relu(l1) (rounds nothing, 1-Lipschitz),
    # out = l2 @ w2 + b2 on the computed l2, plus l1's error carried through |w2|.
    h = x @ w1 + b1
    e_h = sb(n_in + 1, x.abs() @ w1.abs() + b1.abs())
    ambiguous = bool(((h != 0) & (h.abs() <= e_h)).any())
    r = h.clamp_min(0.0)
    a_r = r + e_h
    o = r @ w2 + b2
    e_o = sb(nh + 1, a_r @ w2.abs() + b2.abs()) + e_h @ w2.abs()
    d = o.squeeze(-1) - t
    a_d = o.squeeze(-1).abs() + e_o.squeeze(-1) + t.abs()  # >= |out - targ|, both ways
    # loss = mean(d ** 2): d's error carried (|d^2 - d'^2| <= (2|d| + e) e), then
    # mse's own rounding as in kata 05.
    e_loss = ((2 * d.abs() + e_o.squeeze(-1)) * e_o.squeeze(-1)).mean()
    e_loss = e_loss + sb(n + 2, (a_d**2).sum()) / n
    # mse_grad: g = 2 (out - targ) / N, (N, 1).
    e_g = 2 * e_o / n + sb(2, 2 * a_d[:, None] / n)
    a_g = 2 * a_d[:, None] / n + e_g
    # lin_grad(l2, out, w2, b2): b2.g = g.sum(0), w2.g = l2.t() @ g, l2.g = g @ w2.t().
    e_b2 = e_g.sum(0) + sb(n, a_g.sum(0))
    e_w2 = e_h.t() @ a_g + r.t() @ e_g + sb(n, a_r.t() @ a_g)
    e_r = e_g @ w2.abs().t() + sb(1, a_g @ w2.abs().t())
    a_r_g = a_g @ w2.abs().t() + e_r
    # relu_grad: out.g times a 0/1 mask, the reference's mask: exact, errors unchanged.
    # lin_grad(inp, l1, w1, b1): inp, w1 are exact, only l1.g's error is carried.
    e_b1 = e_r.sum(0) + sb(n, a_r_g.sum(0))
    e_w1 = x.abs().t() @ e_r + sb(n, x.abs().t() @ a_r_g)
    e_x = e_r @ w1.abs().t() + sb(nh, a_r_g @ w1.abs().t())
    bounds = {"inp": e_x, "w1": e_w1, "b1": e_b1, "w2": e_w2, "b2": e_b2}
    return e_loss, bounds, ambiguous


@st.composite
def model_operands(draw):
    n, n_in, nh = draw(BATCH, label="N"), draw(SIDE, label="n_in"), draw(SIDE, label="nh")
    dtype = draw(ds.float_dtypes(), label="dtype")
    shapes = {
        "inp": (n, n_in), "targ": (n,), "w1": (n_in, nh), "b1": (nh,), "w2": (nh, 1), "b2": (1,),
    }
    return tuple(
        draw(ds.tensors(shape, dtype=dtype), label=name) for name, shape in shapes.items()
    )


# All sizes 2; the hidden layer [[5.5, -2], [-4.5, 2]] has a negative value in every row,
# so a missing relu_grad shows.
SQUARE_MODEL = (
    torch.tensor([[1.0, -2.0], [3.0, 4.0]]), torch.tensor([1.0, 2.0]),
    torch.tensor([[1.0, -1.0], [-2.0, 1.0]]), torch.tensor([0.5, 1.0]),
    torch.tensor([[1.0], [-1.0]]), torch.tensor([0.0]),
)
BOOK_MODEL = (  # the book's shapes, scaled down
    torch.tensor([[1.0, -1.0], [0.5, 2.0], [-3.0, 0.0]]), torch.tensor([0.5, -1.0, 2.0]),
    torch.tensor([[1.0, -1.0, 0.5, 2.0], [0.0, 1.0, -1.0, 1.0]]), torch.zeros(4),
    torch.tensor([[1.0], [-2.0], [0.5], [1.0]]), torch.tensor([0.25]),
)


@graded("forward_and_backward")
@given(params=model_operands())
@ds.pinned(
    "params",
    SQUARE_MODEL,
    BOOK_MODEL,
    # N = 1 and a hidden value exactly 0: l1 = [[0, 1]]. ReLU's derivative there may be
    # 0 or 1: both are accepted.
    (torch.tensor([[1.0, 1.0]]), torch.tensor([-1.0]), torch.tensor([[1.0, -1.0], [-1.0, 2.0]]),
     torch.zeros(2), torch.tensor([[2.0], [-1.0]]), torch.tensor([0.5])),
    # Hidden size 0: out is b2 on every row; w1.g is (2, 0), inp.g zeros.
    (torch.ones(2, 2), torch.tensor([1.0, -1.0]), torch.zeros(2, 0), torch.zeros(0),
     torch.zeros(0, 1), torch.tensor([0.5])),
    (SQUARE_MODEL[0].t().to(F64), *(t.to(F64) for t in SQUARE_MODEL[1:])),  # float64, inp.t()
)
def test_forward_and_backward_matches_autograd(kata, device, params):
    inp, targ, w1, b1, w2, b2 = ds.on(device, *params)
    e_loss, bounds, ambiguous = model_bounds(inp, targ, w1, b1, w2, b2)
    assume(not ambiguous)  # a hidden value so close to 0 that its sign is a rounding matter
    with grads.explaining_missing_g(read_too_early):
        loss = kata.forward_and_backward(inp, targ, w1, b1, w2, b2)
    tensors = {"inp": inp, "targ": targ, "w1": w1, "b1": b1, "w2": w2, "b2": b2}
    expected_loss, zero_at_zero = grads.autograd(model_loss(F.relu), **tensors)
    _loss, one_at_zero = grads.autograd(model_loss(lambda h: h.clamp_min(0.0)), **tensors)
    checks.assert_tensor(
        loss, expected_loss, dtype=inp.dtype, device=inp.device, bound=e_loss, name="loss",
        hint=_(LOSS_HINT),
    )
    # In backward order: the first gradient that differs is the closest to the mistake.
    wanted = {name: tensors[name] for name in ("w2", "b2", "w1", "b1", "inp")}
    grads.assert_grads(
        wanted, [zero_at_zero, one_at_zero], bounds=bounds, function="forward_and_backward",
        hints=model_hints(),
    )
