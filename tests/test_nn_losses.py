"""Losses: values against hand computations, gradients against numerical ones, stability, errors."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
import nn
from autograd import Value

small = st.floats(min_value=-5, max_value=5, allow_nan=False, allow_infinity=False)


def values(xs):
    return [Value(x) for x in xs]


# -- values against hand computations ---------------------------------------------------------


def test_mse_loss_reductions_by_hand():
    preds, targets = values([1.0, 3.0, -2.0]), [0.0, 1.0, -1.0]
    # squared errors: 1, 4, 1
    assert nn.mse_loss(preds, targets).data == pytest.approx(2.0)
    assert nn.mse_loss(preds, targets, reduction="sum").data == 6.0
    assert nn.mse_loss(preds, targets, reduction="half_sum").data == 3.0


def test_mse_loss_accepts_numbers_and_multi_output_rows():
    assert nn.mse_loss([1.0, 3.0], [0.0, 1.0]).data == 2.5
    rows = [values([1.0, 2.0]), values([0.0, -1.0])]
    assert nn.mse_loss(rows, [[0.0, 0.0], [0.0, 0.0]], reduction="sum").data == 6.0


def test_binary_cross_entropy_by_hand():
    loss = nn.binary_cross_entropy(values([0.8, 0.3]), [1, 0])
    assert loss.data == pytest.approx(-(math.log(0.8) + math.log(0.7)) / 2, rel=1e-15)
    soft = nn.binary_cross_entropy(values([0.6]), [0.25])
    assert soft.data == pytest.approx(-(0.25 * math.log(0.6) + 0.75 * math.log(0.4)), rel=1e-15)


def test_binary_cross_entropy_saturated_probability_where_its_log_is_not_needed():
    assert nn.binary_cross_entropy(values([1.0, 0.0]), [1, 0]).data == 0.0
    with pytest.raises(ValueError, match="log\\(0\\) at index 0 .*with_logits"):
        nn.binary_cross_entropy(values([0.0]), [1])


def test_binary_cross_entropy_with_logits_by_hand():
    zs, ts = [2.0, -1.0, 0.5], [1, 0, 0.3]
    expected = (
        sum(
            -(t * math.log(1 / (1 + math.exp(-z))) + (1 - t) * math.log(1 - 1 / (1 + math.exp(-z))))
            for z, t in zip(zs, ts)
        )
        / 3
    )
    assert nn.binary_cross_entropy_with_logits(values(zs), ts).data == pytest.approx(
        expected, rel=1e-13
    )


@pytest.mark.parametrize(
    "z, t, loss", [(1000.0, 1, 0.0), (-1000.0, 0, 0.0), (1000.0, 0, 1000.0), (-1000.0, 1, 1000.0)]
)
def test_binary_cross_entropy_with_logits_is_stable_at_1000(z, t, loss):
    v = Value(z)
    out = nn.binary_cross_entropy_with_logits([v], [t])
    assert out.data == loss
    out.backward()
    assert v.grad == pytest.approx(
        1.0 / (1 + math.exp(-z)) - t if abs(z) < 700 else (1.0 if z > 0 else 0.0) - t
    )


def test_softmax_by_hand_and_stable():
    ps = nn.softmax(values([1.0, 2.0, 3.0]))
    e = [math.exp(1), math.exp(2), math.exp(3)]
    assert [p.data for p in ps] == pytest.approx([x / sum(e) for x in e], rel=1e-14)
    assert sum(p.data for p in ps) == pytest.approx(1.0)
    big = nn.softmax([1000.0, 0.0, -1000.0])
    assert [p.data for p in big] == [1.0, math.exp(-1000.0), 0.0]


def test_cross_entropy_by_hand():
    zs = [2.0, 1.0, 0.1]
    lse = math.log(sum(math.exp(z) for z in zs))
    assert nn.cross_entropy(values(zs), 0).data == pytest.approx(lse - 2.0, rel=1e-14)
    assert nn.cross_entropy(zs, 2).data == pytest.approx(lse - 0.1, rel=1e-14)


def test_cross_entropy_batch_is_the_mean():
    batch = [[2.0, 1.0, 0.1], [0.0, 0.5, -0.5]]
    targets = [0, 1]
    one = [nn.cross_entropy(z, t).data for z, t in zip(batch, targets)]
    assert nn.cross_entropy(batch, targets).data == pytest.approx(sum(one) / 2, rel=1e-15)


def test_cross_entropy_stable_for_huge_logits():
    logits = values([1000.0, 0.0, -1000.0])
    assert nn.cross_entropy(logits, 0).data == 0.0
    assert nn.cross_entropy(logits, 1).data == 1000.0
    out = nn.cross_entropy(logits, 2)
    assert out.data == 2000.0
    out.backward()
    # d/dz = softmax(z) - onehot(target)
    assert [z.grad for z in logits] == [1.0, math.exp(-1000.0), -1.0]


def test_hinge_loss_by_hand_and_micrograd_form():
    scores, targets = values([2.0, 0.5, -0.3, 0.2]), [1, 1, -1, -1]
    # margins: max(0, 1 - 2) = 0, 1 - 0.5 = 0.5, 1 - 0.3 = 0.7, 1 + 0.2 = 1.2
    assert nn.hinge_loss(scores, targets).data == pytest.approx((0 + 0.5 + 0.7 + 1.2) / 4)
    demo = sum((1 + -yi * si).relu() for yi, si in zip(targets, scores)) * (1.0 / 4)
    assert nn.hinge_loss(scores, targets).data == demo.data  # the same floats as the demo


def test_multiclass_svm_loss_by_hand():
    # CS231n's example: scores [3.2, 5.1, -1.7], class 0: max(0, 5.1-3.2+1) + max(0, -1.7-3.2+1)
    assert nn.multiclass_svm_loss(values([3.2, 5.1, -1.7]), 0).data == pytest.approx(2.9)
    assert nn.multiclass_svm_loss([1.3, 4.9, 2.0], 1).data == 0.0
    assert nn.multiclass_svm_loss([1.3, 4.9, 2.0], 1, delta=3.0).data == pytest.approx(0.1)
    batch = nn.multiclass_svm_loss([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0]], [0, 1])
    assert batch.data == pytest.approx(2.9 / 2)


def test_l2_penalty_by_hand():
    ps = values([1.0, -2.0, 0.5])
    out = nn.l2_penalty(ps, 1e-4)
    assert out.data == pytest.approx(1e-4 * 5.25)
    out.backward()
    assert [p.grad for p in ps] == pytest.approx([2e-4, -4e-4, 1e-4])


# -- gradients against numerical ones -----------------------------------------------------------

CASES = {
    "mse_mean": (lambda *v: nn.mse_loss(list(v), [0.5, -1.0, 2.0]), [0.3, 0.1, -0.7]),
    "mse_half_sum": (
        lambda *v: nn.mse_loss(list(v), [0.5, -1.0, 2.0], reduction="half_sum"),
        [0.3, 0.1, -0.7],
    ),
    "bce": (lambda *v: nn.binary_cross_entropy(list(v), [1, 0, 0.3]), [0.7, 0.2, 0.45]),
    "bce_logits": (
        lambda *v: nn.binary_cross_entropy_with_logits(list(v), [1, 0, 0.3]),
        [1.5, -0.4, 0.2],
    ),
    "softmax_1": (lambda *v: nn.softmax(list(v))[1], [0.2, 1.3, -0.6]),
    "cross_entropy": (lambda *v: nn.cross_entropy(list(v), 2), [0.2, 1.3, -0.6]),
    "cross_entropy_batch": (
        lambda *v: nn.cross_entropy([list(v[:3]), list(v[3:])], [2, 0]),
        [0.2, 1.3, -0.6, 0.9, 0.1, 0.4],
    ),
    "hinge": (lambda *v: nn.hinge_loss(list(v), [1, -1, 1]), [0.3, 0.2, -0.6]),
    "multiclass_svm": (lambda *v: nn.multiclass_svm_loss(list(v), 1), [0.2, 0.5, 0.1]),
    "l2": (lambda *v: nn.l2_penalty(list(v), 0.3), [0.3, -1.2]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_gradient_matches_numeric(name):
    f, xs = CASES[name]
    assert autograd.gradcheck(f, xs)


@given(st.lists(small, min_size=2, max_size=5), st.data())
def test_cross_entropy_gradient_is_softmax_minus_onehot(zs, data):
    target = data.draw(st.integers(0, len(zs) - 1))
    vs = values(zs)
    nn.cross_entropy(vs, target).backward()
    probs = [p.data for p in nn.softmax(zs)]
    expected = [p - (i == target) for i, p in enumerate(probs)]
    assert [v.grad for v in vs] == pytest.approx(expected, abs=1e-12)


@given(st.lists(small, min_size=2, max_size=5), st.data())
def test_value_targets_give_the_same_floats_as_index_targets(zs, data):
    # fit(compile=True) passes targets as Values; the loss must not depend on the path taken
    t = data.draw(st.integers(0, len(zs) - 1))
    for loss in (nn.cross_entropy, nn.multiclass_svm_loss):
        a, b = values(zs), values(zs)
        la, lb = loss(a, t), loss(b, Value(float(t)))
        assert la.data == lb.data
        la.backward()
        lb.backward()
        # the two graphs add the same contributions in another order: equal to rounding
        assert [v.grad for v in a] == pytest.approx([v.grad for v in b], rel=1e-15, abs=1e-16)
    for loss, target in ((nn.hinge_loss, 2 * (t % 2) - 1), (nn.mse_loss, t)):
        assert loss(values(zs[:1]), [target]).data == loss(values(zs[:1]), [Value(target)]).data


# -- errors -------------------------------------------------------------------------------------

LOSSES_2 = [
    nn.mse_loss,
    nn.binary_cross_entropy,
    nn.binary_cross_entropy_with_logits,
    nn.hinge_loss,
]


@pytest.mark.parametrize("loss", LOSSES_2)
def test_length_mismatch_is_an_error(loss):
    with pytest.raises(ValueError, match="2 predictions but 3 targets"):
        loss(values([0.5, 0.5]), [1, 1, 1])


@pytest.mark.parametrize("loss", LOSSES_2)
def test_empty_input_is_an_error(loss):
    with pytest.raises(ValueError, match="empty input"):
        loss([], [])


def test_bad_reduction_is_an_error():
    with pytest.raises(ValueError, match="unknown reduction 'avg'"):
        nn.mse_loss([1.0], [0.0], reduction="avg")


def test_cross_entropy_errors():
    with pytest.raises(ValueError, match="target class 3 is out of range for 3 logits"):
        nn.cross_entropy([0.0, 1.0, 2.0], 3)
    with pytest.raises(ValueError, match="class index must be an int >= 0, got 0.5"):
        nn.cross_entropy([0.0, 1.0], 0.5)
    with pytest.raises(ValueError, match="class index must be an int >= 0, got -1"):
        nn.cross_entropy([0.0, 1.0], -1)
    with pytest.raises(ValueError, match="empty input"):
        nn.cross_entropy([], 0)
    with pytest.raises(ValueError, match="2 samples but 1 targets"):
        nn.cross_entropy([[0.0, 1.0], [1.0, 0.0]], [0])


def test_other_bad_inputs():
    with pytest.raises(ValueError, match="targets must be \\+1 or -1"):
        nn.hinge_loss([0.5], [0])
    with pytest.raises(ValueError, match="target 0 is 2.0, not in \\[0, 1\\]"):
        nn.binary_cross_entropy([0.5], [2])
    with pytest.raises(ValueError, match="probability 0 is 1.5"):
        nn.binary_cross_entropy([1.5], [1])
    with pytest.raises(ValueError, match="mse_loss: a prediction or target must be a number"):
        nn.mse_loss(["a"], [1.0])
    with pytest.raises(ValueError, match="delta must be a finite number >= 0"):
        nn.multiclass_svm_loss([0.0, 1.0], 0, delta=-1.0)
    with pytest.raises(ValueError, match="empty input"):
        nn.l2_penalty([], 0.1)
