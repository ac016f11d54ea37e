"""Kata 04_einsum: Einstein summation, then an einsum of your own.

Book: chapter 17, "Einstein Summation".
Replace each `raise NotImplementedError(...)` with your implementation, then run
`pytest katas/04_einsum`. Read README.md beside this file for the rules.
"""

import torch


def matmul_einsum(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """`a @ b` as one einsum: 'ik,kj->ij'.

    a: (i, k); b: (k, j). Returns (i, j) with a's dtype and device.
    Book: "Einstein Summation" (the book's matmul in one line).
    Rule: torch.einsum does the product: no @, matmul, mm or other matrix
    product, and no Python loop.
    """
    # TODO: your code here
    raise NotImplementedError("kata 04_einsum: implement matmul_einsum")


def transpose_einsum(a: torch.Tensor) -> torch.Tensor:
    """`a.t()` as one einsum: 'ij->ji'.

    a: (i, j). Returns (j, i) with a's dtype and device.
    Book: "Einstein Summation" (torch.einsum('ij->ji', a) returns the transpose).
    Rule: torch.einsum, not .t(), .T, transpose or permute; no Python loop.
    """
    # TODO: your code here
    raise NotImplementedError("kata 04_einsum: implement transpose_einsum")


def batch_matmul_einsum(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """One matrix product per batch entry, as one einsum: 'bik,bkj->bij'.

    a: (b, i, k); b: (b, k, j). Returns (b, i, j): result[n] = a[n] @ b[n],
    with a's dtype and device.
    Book: "Einstein Summation" (the batch matrix product).
    Rule: torch.einsum does the products: no bmm, matmul, @ or other matrix
    product, and no Python loop over the batch.
    """
    # TODO: your code here
    raise NotImplementedError("kata 04_einsum: implement batch_matmul_einsum")


def bilinear_einsum(a: torch.Tensor, w: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """out[b] = sum over i and j of a[b, i] * w[i, j] * c[b, j], as one einsum: 'bi,ij,bj->b'.

    a: (b, i); w: (i, j); c: (b, j). Returns (b,) with a's dtype and device.
    Book: "Einstein Summation" (the book's 'bi,ij,bj->b' example).
    Rule: torch.einsum does the work: no matrix product, and no Python loop.
    """
    # TODO: your code here
    raise NotImplementedError("kata 04_einsum: implement bilinear_einsum")


def einsum2(equation: str, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """What torch.einsum(equation, x, y) returns, written without it.

    equation: 'x,y->output' such as 'ij,jk->ik': lower-case letters a-z, each at
    most once per operand and once in the output, exactly one ',' and one '->'.
    x, y: tensors of one float dtype with one dimension per letter of their
    subscripts (0-dim for empty subscripts).
    Returns the output's letters in the output's order, with x's dtype and
    device. A letter left out of the output is summed (in one operand or in
    both). A letter of size 1 in one operand broadcasts against its size in the
    other.
    Raises ValueError:
    - for a malformed call (no '->' or two, not two operands, a character other
      than a-z, a letter twice in an operand or in the output, an output letter
      in neither input, an operand whose number of dimensions is not its number
      of letters): the message contains the equation itself;
    - for a letter with two different sizes, neither of them 1: the message
      names the letter, e.g. "letter 'j' has sizes 3 and 4".
    Book: "Einstein Summation" (what einsum does), "Broadcasting Rules".
    Rule: no torch.einsum, tensordot or numpy: broadcasting and a sum, or
    permute, reshape and a batched matrix product. No Python loop over
    elements.
    """
    # TODO: your code here
    raise NotImplementedError("kata 04_einsum: implement einsum2")
