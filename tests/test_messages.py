"""What a learner reads for a known mistake: each mutant below is caught with the
message that names the mistake and says what to look at (issue 10: grade the
contract, and say what is wrong).

Each case runs the mutant's kata for its function in this process (tests/katarun.py)
and checks the output: every text in `shows` appears, no text in `hides` does.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from katarun import discover, run_kata

VARIANTS = {(v.kata, v.name): v for v in discover("mutants") + discover("alternatives")}


@dataclass(frozen=True)
class Case:
    kata: str
    name: str  # a definition in tests/mutants/<kata>.py
    verdict: str
    shows: tuple[str, ...]
    hides: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.kata}::{self.name}"


def run_variant(pytester, kata, name):
    variant = VARIANTS[(kata, name)]
    impl = variant.build(pytester.path / "impl")
    return run_kata(pytester, kata, impl, "--function", variant.function)


def check(pytester, case):
    run = run_variant(pytester, case.kata, case.name)
    assert case.verdict in run.all_verdicts, run.output
    for text in case.shows:
        assert text in run.output, f"{text!r} not in:\n{run.output}"
    for text in case.hides:
        assert text not in run.output, f"{text!r} in:\n{run.output}"


CASES = [
    # 01: the value before the type.
    Case("01_neuron", "neuron__forgets_bias_int_result", "wrong",
         shows=("result=0, but should be 0.5", "Look at: a neuron multiplies"),
         hides=("but should be a Python float",)),
    Case("01_neuron", "dense_layer_plain__forgets_bias_int_result", "wrong",
         shows=("result[0][0]=0, but should be 1.0",),
         hides=("but should be a Python float",)),
    # 02: every wrong value ends with a "Look at:" that fits the mismatch.
    Case("02_matmul", "dense_layer__no_transpose", "wrong",
         shows=("Look at: the result is x @ w + b: w is (n_out, n_in)", "x @ w.t() + b")),
    Case("02_matmul", "dense_layer__no_bias", "wrong", shows=("Look at: the bias is missing",)),
    Case("02_matmul", "matmul_loops__inner_loop_off_by_one", "wrong",
         shows=("Look at: every value misses its last term, a[i, 2] * b[2, j]",
                "range(a.shape[1]), here range(3)")),
    Case("02_matmul", "matmul_loops__inner_loop_from_one", "wrong",
         shows=("Look at: every value misses its first term",)),
    Case("02_matmul", "matmul_loops__row_loop_off_by_one", "wrong",
         shows=("Look at: row 2 of the result is still all 0", "range(a.shape[0]), here range(3)")),
    Case("02_matmul", "matmul_elementwise__column_loop_from_one", "wrong",
         shows=("Look at: column 0 of the result is still all 0",)),
    Case("02_matmul", "matmul_loops__transposed_indexing", "wrong",
         shows=("Look at: the result is a @ b.t(): b is read as b[j, k]",)),
    # 03: the expected shape, or torch's own error, in every message.
    Case("03_broadcasting", "broadcast_shape__aligns_from_the_left", "wrong",
         shows=("broadcast_shape((2, 1, 4), (3, 1)) raised ValueError(",
                "but these shapes broadcast to (2, 3, 4), as torch.broadcast_shapes says",
                "Look at: line the shapes up")),
    Case("03_broadcasting", "broadcast_shape__max_without_check", "wrong",
         shows=("broadcast_shape((0,), (1,))=(1,), but should be (0,)",
                "broadcast_shape((0,), (3,)) returned (3,), but should raise ValueError",
                "The size of tensor a (0) must match the size of tensor b (3)")),
    Case("03_broadcasting", "broadcast_shape__indexes_past_the_shorter_shape", "crashed",
         shows=("Look at: broadcast_shape((2, 1, 4), (3, 1)) should return (2, 3, 4)",)),
    Case("03_broadcasting", "matmul_broadcast__row_loop_off_by_one", "wrong",
         shows=("Look at: row 2 of the result is still all 0",)),
    # 07: a .g that accumulates; a .g read before it was set.
    Case("07_backward", "lin_grad__accumulates_with_getattr", "wrong",
         shows=("after a second call of lin_grad on the same tensors: `inp.g` differs",
                "Look at: a second call of lin_grad on the same tensors must give the same "
                "inp.g, w.g and b.g")),
    Case("07_backward", "lin_grad__accumulates_into_zeros", "wrong",
         shows=("after a second call of lin_grad",)),
    Case("07_backward", "relu_grad__accumulates", "wrong",
         shows=("after a second call of relu_grad", "(`inp.g += ...`")),
    Case("07_backward", "mse_grad__accumulates", "wrong",
         shows=("after a second call of mse_grad",)),
    Case("07_backward", "forward_and_backward__relu_grad_too_early", "crashed",
         shows=("Look at: relu_grad read `out.g` (`l2.g` in forward_and_backward",
                "the backward pass runs from the loss back to the input")),
    Case("07_backward", "forward_and_backward__lin_grad_before_mse_grad", "crashed",
         shows=("Look at: lin_grad read `out.g` before anything set it",
                "mse_grad(out, targ) sets out.g first")),
    Case("07_backward", "lin_grad__adds_to_unset_wg", "crashed",
         shows=("read `w.g`, which was not set: only out.g is set before the call",)),
    # 08: the .g went to a copy.
    Case("08_layers", "Lin__init_clones_weights", "wrong",
         shows=("Lin.backward set `layer.w.g`, but `w.g` is not set: layer.w is a copy of w",
                "Look at: Lin(w, b) must keep the very tensors it is given"),
         hides=("did not set",)),
    Case("08_layers", "Lin__init_stores_nn_linear_layout", "wrong",
         shows=("layer.w is a copy of w",)),
    Case("08_layers", "Lin__call_stores_a_copy_of_inp", "wrong",
         shows=("layer.inp is a copy of inp", "`self.inp = inp`")),
    Case("08_layers", "Mse__call_stores_squeezed_inp", "wrong",
         shows=("Mse.backward set `layer.inp.g`, but `inp.g` is not set",)),
    Case("08_layers", "Model__init_copies_weights", "wrong",
         shows=("Model.backward set `model.layers[0].w.g`, but `w1.g` is not set",
                "Look at: Model(w1, b1, w2, b2) must hand its layers the very tensors")),
    # 11: each way of getting the model's parameters wrong has its own message.
    Case("11_nn_linear", "Model__layers_in_a_plain_list", "wrong",
         shows=("keeps layers in model.stack, a plain Python list", "nn.ModuleList")),
    Case("11_nn_linear", "Model__layers_in_a_dict", "wrong",
         shows=("keeps layers in model.parts, a plain Python dict", "nn.ModuleDict")),
    Case("11_nn_linear", "Model__weights_in_n_in_by_n_out_layout", "wrong",
         shows=("the transpose of nn.Linear's layout",), hides=("keep them as attributes",)),
    Case("11_nn_linear", "Model__layer_sizes_swapped", "wrong",
         shows=("has layers that map 4 -> 2, then 1 -> 4, but should map",),
         hides=("keep them as attributes",)),
    Case("11_nn_linear", "Model__one_layer", "wrong",
         shows=("has one linear layer (2 -> 1), but should have two",),
         hides=("keep them as attributes",)),
    # The NumPy track speaks NumPy: np.zeros(..., dtype=...), .T, np.array(...) inputs.
    Case("13_numpy_matmul", "broadcast_shapes__aligns_from_the_left", "wrong",
         shows=("broadcast_shapes((2, 1, 4), (3, 1)) raised ValueError(",
                "but these shapes broadcast to (2, 3, 4), as np.broadcast_shapes says")),
    Case("13_numpy_matmul", "broadcast_shapes__indexes_past_the_shorter_shape", "crashed",
         shows=("IndexError",
                "Look at: broadcast_shapes((2, 1, 4), (3, 1)) should return (2, 3, 4), as "
                "np.broadcast_shapes does")),
    Case("13_numpy_matmul", "matmul_loops__book_zeros_loses_dtype", "wrong",
         shows=("result.dtype=float64, but should be float32",
                "np.zeros((n, m), dtype=a.dtype)", "a = np.zeros((0, 3), dtype=np.float32)")),
    Case("13_numpy_matmul", "dense_layer__no_transpose", "wrong",
         shows=("Look at: the result is x @ w + b", "x @ w.T + b",
                "x = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)")),
    Case("13_numpy_matmul", "matmul_no_loops__loop_over_rows", "rule broken",
         shows=("ran more than 2 Python loop iterations on this input",
                "for i in range(a.shape[0]):", "The rule of matmul_no_loops: NumPy only")),
    Case("13_numpy_matmul", "matmul_elementwise__no_loops", "rule broken",
         shows=("but the loops this kata asks for run at least",
                "a vectorised operation did the work of a loop")),
    Case("13_numpy_matmul", "matmul_loops__uses_matmul_operator", "rule broken",
         shows=("matmul_loops uses `@` (np.matmul), which this kata forbids", "return a @ b")),
    Case("14_numpy_backprop", "kaiming_init__rng_normal_float64", "wrong",
         shows=("result.dtype=float64, but should be float32",
                "rng.standard_normal(shape, dtype=dtype) draws in it")),
    Case("14_numpy_backprop", "xavier_init__global_rng", "rule broken",
         shows=("xavier_init uses np.random.randn, which this kata forbids",)),
    Case("14_numpy_backprop", "lin_grad__bias_grad_mean", "wrong",
         shows=("b_g[0]=", "Look at: b is added to every row, so its gradient sums out_g")),
    Case("14_numpy_backprop", "train__gradient_ascent", "wrong",
         shows=("is inf, but should be a finite float", "the steps go the wrong way",
                "w = w - lr * w_g")),
    Case("14_numpy_backprop", "train__never_updates", "wrong",
         shows=("but should fall below", "w1 = w1 - lr * grads['w1']")),
]


def case_id(case):
    return case.id if isinstance(case, Case) else case.values[0].id


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_a_known_mistake_reads_what_is_wrong_and_what_to_look_at(pytester, case):
    check(pytester, case)
