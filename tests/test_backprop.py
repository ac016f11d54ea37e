"""dojo.backprop: what the layer-class katas (08, 09) share; here, finding the copy of a
tensor that got the `.g` meant for the tensor itself."""

from __future__ import annotations

import pytest
import torch

from dojo import backprop
from dojo.outcomes import WrongAnswer


class Layer:
    def __init__(self, w, b):
        self.w, self.b = w, b


class Model:
    def __init__(self, *layers):
        self.layers = list(layers)
        self.named = {"first": layers[0]} if layers else {}


def test_held_tensors_walks_attributes_lists_and_dicts_with_their_paths():
    w, b = torch.ones(2, 3), torch.zeros(3)
    model = Model(Layer(w, b))
    found = dict(backprop.held_tensors(model, "model"))
    assert found["model.layers[0].w"] is w and found["model.layers[0].b"] is b
    assert "model.named['first'].w" not in found  # each object is walked once


@pytest.mark.parametrize(
    "copy", [torch.Tensor.clone, torch.Tensor.detach, torch.Tensor.t, torch.Tensor.flatten]
)
def test_a_gradient_set_on_a_copy_is_named(copy):
    w, b = torch.arange(6.0).reshape(2, 3), torch.zeros(3)
    layer = Layer(copy(w), b)
    layer.w.g, layer.b.g = torch.ones_like(layer.w), torch.ones(3)
    with pytest.raises(WrongAnswer) as info:
        backprop.assert_grads_reach_given(
            layer, "layer", {"w": w, "b": b}, function="Lin.backward", hints={"w": "keep w"}
        )
    assert str(info.value) == (
        "Lin.backward set `layer.w.g`, but `w.g` is not set: layer.w is a copy of w (another "
        "tensor object with w's values), not w itself\nLook at: keep w"
    )


def test_gradients_on_the_tensors_themselves_or_on_excluded_ones_pass():
    w, b = torch.arange(6.0).reshape(2, 3), torch.zeros(3)
    layer = Layer(w, b)
    w.g = torch.ones_like(w)
    layer.out = b.clone()
    layer.out.g = torch.ones(3)
    # b has no .g, and layer.out (a tensor equal to b) is the output: excluded.
    backprop.assert_grads_reach_given(
        layer, "layer", {"w": w, "b": b}, function="Lin.backward", hints={},
        exclude=(layer.out,),
    )
    # A tensor of other values with a .g is not a copy: assert_grads says "did not set".
    layer.other = torch.full((3,), 5.0)
    layer.other.g = torch.ones(3)
    backprop.assert_grads_reach_given(
        layer, "layer", {"w": w, "b": b}, function="Lin.backward", hints={},
        exclude=(layer.out,),
    )
