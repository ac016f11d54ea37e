"""Correct solutions of kata 01_neuron written differently; each must pass.

A definition named `<function>__<what>` replaces `<function>` of the reference.
"""

import math
import operator
from functools import reduce


def neuron__book(inputs, weights, bias):
    """The book's line: sum of a list comprehension over zip, plus the bias."""
    output = sum([x * w for x, w in zip(inputs, weights)]) + bias
    return output


def neuron__reversed_loop_from_bias(inputs, weights, bias):
    """Starts from the bias and accumulates the products last to first."""
    total = bias
    for i in reversed(range(len(inputs))):
        total += inputs[i] * weights[i]
    return total


def neuron__sum_with_start(inputs, weights, bias):
    """sum(map(mul, ...), start=bias): the bias first, then the products."""
    return sum(map(operator.mul, inputs, weights), bias)


def neuron__fsum(inputs, weights, bias):
    """math.fsum: the correctly rounded sum of the products and the bias."""
    return math.fsum([*(x * w for x, w in zip(inputs, weights)), bias])


def neuron__reduce_then_float(inputs, weights, bias):
    """functools.reduce over pairs, converted with float() at the end."""
    return float(reduce(lambda acc, xw: acc + xw[0] * xw[1], zip(inputs, weights), 0) + bias)


def relu__book_max(x):
    """The book's max(0, output): 0 first, so relu(0.0) is the int 0."""
    return max(0, x)


def relu__max_x_first(x):
    """max(x, 0): x itself when x >= 0, the int 0 otherwise."""
    return max(x, 0)


def relu__max_float_zero(x):
    """max(x, 0.0): a float zero for negative x."""
    return max(x, 0.0)


def relu__strictly_positive(x):
    """x if x > 0 else 0.0: zero comes back as 0.0, not as x."""
    return x if x > 0 else 0.0


def relu__times_bool(x):
    """x * (x > 0): a negative float gives -0.0, which is zero."""
    return x * (x > 0)


def _dot_1n(a, b):
    return sum(p * q for p, q in zip(a, b))


def dense_layer_plain__neuron_per_output(x, w, b):
    """Nested comprehensions, one dot product per output, the bias added last."""
    return [[_dot_1n(row, w_j) + b_j for w_j, b_j in zip(w, b)] for row in x]


def dense_layer_plain__index_loops(x, w, b):
    """Three explicit index loops (i, j, k) that append to new lists."""
    out = []
    for i in range(len(x)):
        row = []
        for j in range(len(w)):
            total = 0.0
            for k in range(len(x[i])):
                total += x[i][k] * w[j][k]
            row.append(total + b[j])
        out.append(row)
    return out


def dense_layer_plain__outputs_outer_reversed_k(x, w, b):
    """Preallocates every row, loops over outputs outside, sums k backwards from b[j]."""
    out = [[0.0] * len(w) for _ in x]
    for j in range(len(w)):
        for i in range(len(x)):
            total = b[j]
            for k in reversed(range(len(x[i]))):
                total += x[i][k] * w[j][k]
            out[i][j] = total
    return out


def dense_layer_plain__copy_of_bias_then_fsum(x, w, b):
    """Each row starts as a copy of b; math.fsum adds the products."""
    out = []
    for row in x:
        y = list(b)
        for j, w_j in enumerate(w):
            y[j] = math.fsum([y[j], *(p * q for p, q in zip(row, w_j))])
        out.append(y)
    return out
