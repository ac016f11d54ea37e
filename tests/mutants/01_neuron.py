"""Plausible wrong solutions of kata 01_neuron; each must be caught.

A definition named `<function>__<what>` replaces `<function>` of the reference.
`EXPECTED` names the verdict a mutant must get when the reason matters.
"""

import numpy as np
import torch

EXPECTED = {
    "neuron__forgets_bias_int_result": "wrong",
    "neuron__starts_from_first_product": "crashed",
    "neuron__numpy_dot": "rule broken",
    "neuron__torch_dot": "rule broken",
    "neuron__appends_bias_to_inputs": "rule broken",
    "neuron__numpy_multiply_then_sum": "rule broken",
    "neuron__torch_tensor_matmul": "rule broken",
    "relu__and_trick": "wrong",
    "relu__always_float": "wrong",
    "relu__numpy_maximum": "rule broken",
    "relu__torch_relu": "rule broken",
    "dense_layer_plain__forgets_bias_int_result": "wrong",
    "dense_layer_plain__n_in_from_first_row": "crashed",
    "dense_layer_plain__shared_row_list": "wrong",
    "dense_layer_plain__zip_columns_into_tuples": "wrong",
    "dense_layer_plain__bias_row_is_b": "wrong",
    "dense_layer_plain__numpy": "rule broken",
    "dense_layer_plain__torch_linear": "rule broken",
}


# --- neuron -----------------------------------------------------------------


def neuron__forgets_bias(inputs, weights, bias):
    """Leaves out the bias."""
    return sum(x * w for x, w in zip(inputs, weights)) * 1.0


def neuron__forgets_bias_int_result(inputs, weights, bias):
    """Leaves out the bias: whole-number inputs give an int, and the value is wrong too."""
    return sum(x * w for x, w in zip(inputs, weights))


def neuron__bias_per_input(inputs, weights, bias):
    """Adds the bias to every product instead of once."""
    return sum(x * w + bias for x, w in zip(inputs, weights)) + 0.0


def neuron__product_of_sums(inputs, weights, bias):
    """Multiplies the sums instead of summing the products."""
    return sum(inputs) * sum(weights) + bias


def neuron__every_pair(inputs, weights, bias):
    """Two nested loops: every input times every weight."""
    return sum(x * w for x in inputs for w in weights) + bias


def neuron__applies_relu(inputs, weights, bias):
    """Copies the book's next line too: max(0, output) belongs to relu."""
    return max(0.0, sum(x * w for x, w in zip(inputs, weights)) + bias)


def neuron__skips_last_input(inputs, weights, bias):
    """An off-by-one range: the last input is never used."""
    total = bias
    for i in range(len(inputs) - 1):
        total += inputs[i] * weights[i]
    return total


def neuron__starts_from_first_product(inputs, weights, bias):
    """Starts the sum from the first product: crashes with no inputs."""
    total = inputs[0] * weights[0]
    for i in range(1, len(inputs)):
        total += inputs[i] * weights[i]
    return total + bias


def neuron__numpy_dot(inputs, weights, bias):
    """Hands the sum to numpy."""
    return float(np.dot(inputs, weights)) + bias


def neuron__torch_dot(inputs, weights, bias):
    """Hands the sum to torch."""
    return torch.dot(torch.tensor(inputs), torch.tensor(weights)).item() + bias


def neuron__numpy_multiply_then_sum(inputs, weights, bias):
    """A numpy ufunc and Python's sum: no profile event, caught by reading the code."""
    return float(sum(np.multiply(inputs, weights))) + bias


def neuron__torch_tensor_matmul(inputs, weights, bias):
    """torch.Tensor(...) and @: no profile event, caught by reading the code."""
    return float(torch.Tensor(inputs) @ torch.Tensor(weights)) + bias


def neuron__appends_bias_to_inputs(inputs, weights, bias):
    """Treats the bias as a weight on an input of 1 by appending to the caller's lists."""
    inputs.append(1.0)
    weights.append(bias)
    return sum(x * w for x, w in zip(inputs, weights)) + 0.0


# --- relu -------------------------------------------------------------------


def relu__abs(x):
    """Flips negatives to positive instead of zeroing them."""
    return abs(x)


def relu__min(x):
    """min instead of max."""
    return min(x, 0)


def relu__negatives_kept(x):
    """The condition the wrong way round."""
    return x if x < 0 else 0


def relu__and_trick(x):
    """`x > 0 and x` returns False, a bool, for x <= 0."""
    return x > 0 and x


def relu__always_float(x):
    """Converts to float: relu(3) becomes 3.0 instead of x itself."""
    return float(max(x, 0))


def relu__truncates(x):
    """Rounds toward zero with int()."""
    return max(int(x), 0)


def relu__numpy_maximum(x):
    """Hands the work to numpy."""
    return float(np.maximum(x, 0))


def relu__torch_relu(x):
    """Hands the work to torch."""
    return torch.relu(torch.tensor(x)).item()


# --- dense_layer_plain ------------------------------------------------------


def dense_layer_plain__w_indexed_k_j(x, w, b):
    """Reads w[k][j] as if w were n_in x n_out."""
    out = []
    for i in range(len(x)):
        row = []
        for j in range(len(b)):
            total = b[j]
            for k in range(len(x[i])):
                total += x[i][k] * w[k][j]
            row.append(total)
        out.append(row)
    return out


def dense_layer_plain__transposed_output(x, w, b):
    """One row per output instead of one row per input row."""
    return [[sum(xk * wk for xk, wk in zip(row, w_j)) + b_j for row in x] for w_j, b_j in zip(w, b)]


def dense_layer_plain__forgets_bias(x, w, b):
    """Leaves out the bias."""
    return [[sum(xk * wk for xk, wk in zip(row, w_j)) * 1.0 for w_j in w] for row in x]


def dense_layer_plain__forgets_bias_int_result(x, w, b):
    """Leaves out the bias: whole-number inputs give ints, and the values are wrong too."""
    return [[sum(xk * wk for xk, wk in zip(row, w_j)) for w_j in w] for row in x]


def dense_layer_plain__bias_by_row(x, w, b):
    """Adds b[i] (the row's index) instead of b[j] (the output's)."""
    return [
        [sum(xk * wk for xk, wk in zip(row, w_j)) + b[i] for w_j in w] for i, row in enumerate(x)
    ]


def dense_layer_plain__n_in_from_first_row(x, w, b):
    """Reads n_in from x[0]: crashes on an empty batch."""
    n_in = len(x[0])
    return [
        [sum(row[k] * w_j[k] for k in range(n_in)) + b_j for w_j, b_j in zip(w, b)] for row in x
    ]


def dense_layer_plain__shared_row_list(x, w, b):
    """[[0.0] * n_out] * batch: every row is the same list object."""
    out = [[0.0] * len(w)] * len(x)
    for i, row in enumerate(x):
        for j, w_j in enumerate(w):
            out[i][j] = sum(xk * wk for xk, wk in zip(row, w_j)) + b[j]
    return out


def dense_layer_plain__zip_columns_into_tuples(x, w, b):
    """Builds one column per output, then zip(*columns) gives rows that are tuples."""
    columns = [
        [sum(xk * wk for xk, wk in zip(row, w_j)) + b_j for row in x] for w_j, b_j in zip(w, b)
    ]
    if not columns:
        return [[] for _ in x]
    return list(zip(*columns))


def dense_layer_plain__bias_row_is_b(x, w, b):
    """Starts each row from `b` itself: changes b, and returns b when n_in is 0."""
    out = []
    for row in x:
        y = b
        for j, w_j in enumerate(w):
            for xk, wk in zip(row, w_j):
                y[j] += xk * wk
        out.append(y)
    return out


def dense_layer_plain__numpy(x, w, b):
    """Hands the layer to numpy."""
    if not x:
        return []
    xa = np.array(x, dtype=float).reshape(len(x), -1)
    wa = np.array(w, dtype=float).reshape(len(w), xa.shape[1])
    return (xa @ wa.T + np.array(b, dtype=float)).tolist()


def dense_layer_plain__torch_linear(x, w, b):
    """Hands the layer to torch."""
    n_in = len(x[0]) if x else 0
    xt = torch.tensor(x, dtype=torch.float64).reshape(len(x), n_in)
    wt = torch.tensor(w, dtype=torch.float64).reshape(len(w), n_in)
    return torch.nn.functional.linear(xt, wt, torch.tensor(b, dtype=torch.float64)).tolist()
