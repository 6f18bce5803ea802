"""nn.Module, Neuron, Layer, MLP: micrograd's semantics, activations, inits, state dicts."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
import nn
from autograd import Value

finite = st.floats(min_value=-10, max_value=10, allow_nan=False, allow_infinity=False)


def test_neuron_draws_uniform_weights_from_global_random_in_order():
    random.seed(42)
    n = nn.Neuron(3)
    random.seed(42)
    expected = [random.uniform(-1, 1) for _ in range(3)]
    assert [w.data for w in n.w] == expected
    assert n.b.data == 0.0
    assert n.parameters() == n.w + [n.b]


def test_mlp_draws_weights_in_construction_order():
    random.seed(7)
    model = nn.MLP(2, [3, 1])
    random.seed(7)
    draws = [random.uniform(-1, 1) for _ in range(2 * 3 + 3 * 1)]
    ws = [w.data for layer in model.layers for n in layer.neurons for w in n.w]
    assert ws == draws
    assert all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons)


@given(
    st.lists(finite, min_size=1, max_size=8).flatmap(
        lambda ws: st.tuples(st.just(ws), st.lists(finite, min_size=len(ws), max_size=len(ws)))
    ),
    finite,
)
def test_neuron_sum_is_float_identical_to_micrograd_left_to_right_sum(wx, b):
    ws, xs = wx
    n = nn.Neuron(len(ws), nonlin=False, rng=random.Random(0))
    for v, w in zip(n.w, ws):
        v.data = w
    n.b.data = b
    out = n([Value(x) for x in xs])
    # micrograd: sum((wi*xi for wi, xi in zip(self.w, x)), self.b), chained adds
    ref = sum((Value(w) * Value(x) for w, x in zip(ws, xs)), Value(b))
    assert out.data == ref.data
    assert out.op == "affine"  # one fused node


def test_neuron_gradients_match_chained_micrograd_graph():
    ws, xs, b = [0.3, -0.7, 1.1], [2.0, -1.5, 0.25], 0.4
    n = nn.Neuron(3, rng=random.Random(0))
    for v, w in zip(n.w, ws):
        v.data = w
    n.b.data = b
    x_ours = [Value(x) for x in xs]
    n(x_ours).backward()
    w_ref, x_ref, b_ref = [Value(w) for w in ws], [Value(x) for x in xs], Value(b)
    sum((wi * xi for wi, xi in zip(w_ref, x_ref)), b_ref).relu().backward()
    assert [w.grad for w in n.w] == [w.grad for w in w_ref]
    assert [x.grad for x in x_ours] == [x.grad for x in x_ref]
    assert n.b.grad == b_ref.grad == 1.0


def test_layer_of_one_neuron_returns_a_single_value_and_many_return_a_list():
    one = nn.Layer(2, 1, seed=0)([1.0, 2.0])
    many = nn.Layer(2, 3, seed=0)([1.0, 2.0])
    assert isinstance(one, Value)
    assert isinstance(many, list) and len(many) == 3 and all(isinstance(v, Value) for v in many)


def test_mlp_hidden_layers_relu_and_last_layer_linear():
    model = nn.MLP(2, [4, 3, 2], seed=0)
    kinds = [n.kind for layer in model.layers for n in layer.neurons]
    assert kinds == ["relu"] * 7 + ["linear"] * 2
    assert repr(model.layers[0].neurons[0]) == "ReLUNeuron(2)"
    assert repr(model.layers[-1].neurons[0]) == "LinearNeuron(3)"
    # the last layer really is linear: a large negative sum comes out negative
    last = model.layers[-1].neurons[0]
    assert last([-5.0, -5.0, -5.0]).data == pytest.approx(-5.0 * sum(w.data for w in last.w))


def test_micrograd_style_training_code_runs_unchanged():
    random.seed(0)
    model = nn.MLP(3, [4, 4, 1])
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    losses = []
    for _ in range(30):
        ypred = [model(x) for x in xs]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data += -0.05 * p.grad
        losses.append(loss.data)
    assert losses[-1] < 0.5 * losses[0]


def test_zero_grad_resets_every_parameter():
    model = nn.MLP(2, [3, 1], seed=1)
    model([1.0, -1.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_num_parameters_and_repr():
    model = nn.MLP(2, [16, 16, 1], seed=0)
    assert model.num_parameters() == (2 + 1) * 16 + (16 + 1) * 16 + (16 + 1) * 1 == 337
    assert repr(model) == "MLP(2 -> 16 relu -> 16 relu -> 1 linear; 337 parameters)"
    tanh = nn.MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", seed=0)
    assert repr(tanh) == "MLP(3 -> 4 tanh -> 2 sigmoid; 26 parameters)"
    assert repr(nn.Layer(3, 2, seed=0)) == "Layer(3 -> 2 relu)"


@pytest.mark.parametrize(
    "activation, f",
    [
        ("relu", lambda z: max(z, 0.0)),
        ("tanh", math.tanh),
        ("sigmoid", lambda z: 1 / (1 + math.exp(-z))),
        ("leaky_relu", lambda z: z if z >= 0 else 0.01 * z),
        ("elu", lambda z: z if z > 0 else math.exp(z) - 1),
        ("softplus", lambda z: math.log1p(math.exp(z))),
        ("linear", lambda z: z),
        ("prelu", lambda z: z if z > 0 else 0.25 * z),
    ],
)
@pytest.mark.parametrize("z_sign", [1.0, -1.0])
def test_each_activation_applies_its_function(activation, f, z_sign):
    n = nn.Neuron(2, activation=activation, seed=3)
    n.w[0].data, n.w[1].data = 0.8 * z_sign, -0.3 * z_sign
    n.b.data = 0.1 * z_sign
    z = 0.1 * z_sign + 0.8 * z_sign * 1.5 + (-0.3 * z_sign) * 2.0
    assert n([1.5, 2.0]).data == pytest.approx(f(z), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("activation", sorted(nn.ACTIVATIONS))
@pytest.mark.parametrize("side", [1.0, -1.0])
def test_each_activation_gradient_matches_numeric(activation, side):
    n = nn.Neuron(3, activation=activation, seed=5)
    x = [0.7 * side, 1.2 * side, 0.4 * side]
    start = [p.data for p in n.parameters()]

    def f(*params):  # the neuron itself, with its parameters swapped for gradcheck's Values
        n.w, n.b = list(params[:3]), params[3]
        if activation == "prelu":
            n.a = params[4]
        return n(x)

    z = autograd.affine(Value(start[3]), [Value(v) for v in start[:3]], x)
    assert z.data * side > 0.5  # both sides of the kink at 0, well away from it
    assert autograd.gradcheck(f, start)


def test_prelu_slope_is_a_trainable_parameter():
    n = nn.Neuron(1, activation="prelu", seed=0)
    assert n.a is not None and n.a.data == 0.25
    assert n.parameters()[-1] is n.a
    n.w[0].data, n.b.data = 1.0, 0.0
    out = n([-2.0])  # z = -2, out = a * z
    assert out.data == -0.5
    out.backward()
    assert n.a.grad == -2.0  # d(a z)/da = z
    assert n.w[0].grad == 0.25 * -2.0  # a * x


def test_unknown_activation_lists_the_choices():
    with pytest.raises(ValueError, match="unknown activation 'swish'.*relu.*prelu"):
        nn.MLP(2, [3, 1], activation="swish")


def test_unknown_init_lists_the_choices():
    with pytest.raises(ValueError, match="unknown init 'orthogonal'.*micrograd, xavier, kaiming"):
        nn.Neuron(2, init="orthogonal")


def test_seed_reproduces_weights_and_leaves_global_random_alone():
    random.seed(123)
    before = random.random()
    random.seed(123)
    a = nn.MLP(3, [5, 2], seed=9, init="xavier")
    after = random.random()
    b = nn.MLP(3, [5, 2], rng=random.Random(9), init="xavier")
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert before == after  # the global generator was not used
    c = nn.MLP(3, [5, 2], seed=10, init="xavier")
    assert [p.data for p in a.parameters()] != [p.data for p in c.parameters()]


def test_seeded_layer_neurons_differ_from_each_other():
    layer = nn.Layer(4, 3, seed=0)
    rows = [tuple(w.data for w in n.w) for n in layer.neurons]
    assert len(set(rows)) == 3


@pytest.mark.parametrize(
    "init, bound",
    [("micrograd", 1.0), ("xavier", math.sqrt(6 / (50 + 40))), ("kaiming", math.sqrt(6 / 50))],
)
def test_init_bounds(init, bound):
    layer = nn.Layer(50, 40, init=init, seed=1)
    ws = [w.data for n in layer.neurons for w in n.w]
    assert max(abs(w) for w in ws) <= bound
    assert max(abs(w) for w in ws) > 0.95 * bound  # the whole range is used
    mean_sq = sum(w * w for w in ws) / len(ws)
    assert mean_sq == pytest.approx(bound**2 / 3, rel=0.1)  # variance of uniform(-a, a)


def test_both_rng_and_seed_is_an_error():
    with pytest.raises(ValueError, match="either rng or seed"):
        nn.MLP(2, [1], rng=random.Random(0), seed=0)


@pytest.mark.parametrize(
    "args, match",
    [
        ((0, [3]), "nin must be an int >= 1, got 0"),
        ((2, []), "nouts must be a non-empty list"),
        ((2, [3, 0]), "every layer size"),
        ((2, 3), "nouts must be a non-empty list"),
    ],
)
def test_bad_sizes(args, match):
    with pytest.raises(ValueError, match=match):
        nn.MLP(*args)


def test_wrong_input_length_names_the_neuron():
    with pytest.raises(ValueError, match=r"ReLUNeuron\(2\) takes 2 inputs, got 3"):
        nn.MLP(2, [3, 1], seed=0)([1.0, 2.0, 3.0])


def test_predict_returns_floats_and_records_no_graph():
    model = nn.MLP(2, [4, 3], seed=2)
    X = [[0.5, -1.0], [1.0, 2.0]]
    preds = model.predict(X)
    assert preds == [[v.data for v in model(x)] for x in X]
    assert all(isinstance(v, float) for row in preds for v in row)
    single = nn.MLP(2, [4, 1], seed=2)
    assert single.predict(X) == [single(x).data for x in X]
    assert all(p.grad == 0.0 for p in model.parameters())


def test_state_dict_round_trip_and_names():
    a = nn.MLP(2, [3, 1], activation="prelu", seed=0)
    state = a.state_dict()
    assert list(state)[:3] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
    ]
    assert "layers.0.neurons.0.a" in state
    b = nn.MLP(2, [3, 1], activation="prelu", seed=1)
    assert b.state_dict() != state
    b.load_state_dict(state)
    assert b.state_dict() == state
    assert b([0.3, -0.2]).data == a([0.3, -0.2]).data


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda d: d.pop("layers.1.neurons.0.b"), "missing 'layers.1.neurons.0.b'"),
        (lambda d: d.__setitem__("extra", 1.0), "unexpected 'extra'"),
        (lambda d: d.__setitem__("layers.0.neurons.0.b", float("nan")), "finite number"),
        (lambda d: d.__setitem__("layers.0.neurons.0.b", "0.5"), "must be a number"),
    ],
)
def test_bad_state_dict_leaves_model_untouched(change, match):
    model = nn.MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    state = {k: v + 1.0 for k, v in before.items()}
    change(state)
    with pytest.raises(ValueError, match=match):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_custom_module_gets_zero_grad_and_state_dict_from_parameters():
    class Scale(nn.Module):
        def __init__(self):
            self.k = Value(2.0)

        def __call__(self, x):
            return self.k * x[0]

        def parameters(self):
            return [self.k]

    m = Scale()
    m([3.0]).backward()
    assert m.k.grad == 3.0
    m.zero_grad()
    assert m.k.grad == 0.0
    assert m.state_dict() == {"0": 2.0}
    assert m.num_parameters() == 1


def test_parameters_and_zero_grad_come_from_named_parameters():
    class Pair(nn.Module):
        def __init__(self):
            self.u, self.v = Value(1.0), Value(2.0)

        def named_parameters(self):
            return [("u", self.u), ("v", self.v)]

    m = Pair()
    assert m.parameters() == [m.u, m.v]
    m.u.grad = m.v.grad = 5.0
    m.zero_grad()
    assert (m.u.grad, m.v.grad) == (0.0, 0.0)
    assert m.state_dict() == {"u": 1.0, "v": 2.0}
    assert nn.Module().parameters() == []


def test_nn_classes_define_only_named_parameters():
    for cls in (nn.Neuron, nn.Layer, nn.MLP):
        assert "parameters" not in vars(cls)
    model = nn.MLP(3, [4, 2], activation="prelu", seed=0)
    assert model.parameters() == [p for _, p in model.named_parameters()]
    assert model.num_parameters() == 3 * 4 + 4 + 4 + 4 * 2 + 2


def test_an_activation_is_one_row_of_the_table(monkeypatch):
    row = nn.module.Activation(lambda z, _: z * z, "Square", None)
    monkeypatch.setitem(nn.ACTIVATIONS, "square", row)
    n = nn.Neuron(2, activation="square", seed=0)
    n.w[0].data, n.w[1].data = 1.0, 2.0
    assert n([1.0, 1.0]).data == 9.0
    assert repr(n) == "SquareNeuron(2)"
    assert n.config()["activation"] == "square"


def test_nonlin_must_be_a_bool():
    with pytest.raises(ValueError, match="nonlin must be True or False, got 'false'"):
        nn.Neuron(2, nonlin="false")


@pytest.mark.parametrize("bad", [{1.0: 2.0, 3.0: 4.0}, "ab", {1.0, 2.0}, b"ab"])
def test_a_model_refuses_inputs_that_are_not_rows(bad):
    for model in (nn.MLP(2, [3, 1], seed=0), nn.Layer(2, 2, seed=0), nn.Neuron(2, seed=0)):
        with pytest.raises(TypeError, match="input must be a sequence of numbers"):
            model(bad)


# -- what a model computes, its repr, config and saved file agree after an assignment ----------


def test_assigning_nonlin_changes_the_computation_repr_and_config(tmp_path):
    n = nn.Neuron(2, seed=0)
    n.w[0].data, n.w[1].data = 1.0, 1.0
    assert n([-1.0, -1.0]).data == 0.0  # relu of -2
    n.nonlin = False
    assert n([-1.0, -1.0]).data == -2.0  # now linear, as repr and config say
    assert repr(n) == "LinearNeuron(2)" and n.config()["nonlin"] is False
    nn.save(n, tmp_path / "n.json")
    assert nn.load(tmp_path / "n.json")([-1.0, -1.0]).data == -2.0
    n.nonlin = True
    assert n([-1.0, -1.0]).data == 0.0


def test_assigning_activation_applies_it_and_adds_or_drops_the_prelu_slope():
    n = nn.Neuron(1, seed=0)
    n.w[0].data = 1.0
    n.activation = "prelu"
    assert n.a is not None and n.a.data == 0.25 and n.parameters()[-1] is n.a
    assert n([-2.0]).data == -0.5
    n.activation = "tanh"
    assert n.a is None and len(n.parameters()) == 2
    assert n([-2.0]).data == pytest.approx(math.tanh(-2.0))


@pytest.mark.parametrize(
    "field, bad, message",
    [("nonlin", "false", "nonlin must be True or False"), ("activation", "swish", "unknown")],
)
def test_assigning_a_bad_nonlin_or_activation_is_refused_and_changes_nothing(field, bad, message):
    n = nn.Neuron(2, activation="prelu", seed=0)
    before = (n.nonlin, n.activation, n.a, n([1.0, -3.0]).data)
    with pytest.raises(ValueError, match=message):
        setattr(n, field, bad)
    assert (n.nonlin, n.activation, n.a, n([1.0, -3.0]).data) == before


def test_mlp_config_follows_its_neurons_and_a_save_loads_to_the_same_outputs(tmp_path):
    model = nn.MLP(2, [3, 1], seed=0)
    for neuron in model.layers[0].neurons:
        neuron.activation = "tanh"
    model.layers[-1].neurons[0].activation = "sigmoid"
    model.layers[-1].neurons[0].nonlin = True
    assert model.config()["activation"] == "tanh"
    assert model.config()["output_activation"] == "sigmoid"
    assert repr(model) == "MLP(2 -> 3 tanh -> 1 sigmoid; 13 parameters)"
    nn.save(model, tmp_path / "m.json")
    again = nn.load(tmp_path / "m.json")
    for x in ([0.3, -0.8], [-2.0, 1.5]):
        assert again(x).data == model(x).data


def test_a_layer_whose_neurons_differ_is_refused_by_save_and_to_torch(tmp_path):
    model = nn.MLP(2, [3, 1], seed=0)
    model.layers[0].neurons[1].nonlin = False
    assert repr(model) == "MLP(2 -> 3 relu/linear -> 1 linear; 13 parameters)"
    with pytest.raises(ValueError, match=r"neurons apply different functions \(relu, linear\)"):
        nn.save(model, tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()
    with pytest.raises(ValueError, match="different functions"):
        nn.to_torch(model)


# -- a hidden layer of one neuron -----------------------------------------------------------------


def test_mlp_with_a_hidden_layer_of_one_neuron_works():
    model = nn.MLP(2, [1, 1], seed=0)
    hidden, out = model.layers[0].neurons[0], model.layers[1].neurons[0]
    hidden.w[0].data, hidden.w[1].data, hidden.b.data = 1.0, 2.0, 0.5
    out.w[0].data, out.b.data = -3.0, 1.0
    y = model([1.0, 1.0])  # hidden: relu(3.5); out: 1 - 3 * 3.5
    assert y.data == -9.5
    y.backward()
    assert (hidden.w[0].grad, hidden.w[1].grad, out.w[0].grad) == (-3.0, -3.0, 3.5)
    assert model.predict([[1.0, 1.0], [-5.0, 0.0]]) == [-9.5, 1.0]
    wide = nn.MLP(3, [4, 1, 2], seed=0)  # a bottleneck of one, then a layer of two
    assert len(wide([1.0, 2.0, 3.0])) == 2


def test_fit_trains_a_model_with_a_hidden_layer_of_one_neuron():
    X, y = nn.data.make_moons(40, noise=0.1, seed=1, labels="pm1")
    for compiled in (False, True):
        model = nn.MLP(2, [1, 1], seed=3)
        opt = nn.SGD(model.parameters(), lr=0.1)
        history = nn.fit(
            model, X, y, loss=nn.mse_loss, optimizer=opt, epochs=20, progress=False,
            compile=compiled,
        )  # fmt: skip
        assert history.loss[-1] < history.loss[0]


# -- leaky_relu and prelu at exactly 0, as torch ---------------------------------------------------


def test_prelu_at_zero_takes_the_slope_and_its_slope_gradient_is_zero():
    n = nn.Neuron(1, activation="prelu", seed=0)
    n.w[0].data, n.b.data = 1.0, 0.0
    x = Value(0.0)
    out = n([x])  # z = 0 exactly
    assert out.data == 0.0
    out.backward()
    assert x.grad == 0.25  # d prelu / dz at 0 is the slope, as torch's PReLU
    assert n.b.grad == 0.25
    assert n.a.grad == 0.0  # min(z, 0) = 0


@pytest.mark.parametrize("activation", ["leaky_relu", "prelu"])
def test_to_torch_gives_the_same_gradients_at_an_input_of_zero(torch, activation):
    model = nn.MLP(2, [3, 3, 1], activation=activation, seed=4)
    for layer in model.layers[:-1]:
        for neuron in layer.neurons:
            neuron.b.data = 0.0  # every hidden sum is exactly 0 at the input [0, 0]
    net = nn.to_torch(model)
    model([0.0, 0.0]).backward()
    net(torch.zeros(2, dtype=torch.float64)).sum().backward()
    ours = [p.grad for p in model.parameters()]
    theirs = []
    for i, layer in enumerate(model.layers):
        linear = net[2 * i]
        for j, _ in enumerate(layer.neurons):
            theirs += linear.weight.grad[j].tolist() + [linear.bias.grad[j].item()]
            if activation == "prelu" and i < len(model.layers) - 1:
                theirs.append(net[2 * i + 1].weight.grad[j].item())
    assert any(g != 0.0 for g in ours)  # the bias gradients flow back through the kinks
    assert ours == pytest.approx(theirs, rel=1e-14, abs=1e-300)
