"""nn.save / nn.load (JSON, atomic, clear errors, model untouched) and nn.to_torch."""

from __future__ import annotations

import json
import os
import sys

import pytest

import nn

X = [[0.3, -1.2], [1.5, 0.4], [-0.7, 0.9]]


@pytest.mark.parametrize(
    "model",
    [
        nn.MLP(2, [16, 16, 1], seed=0),
        nn.MLP(2, [5, 4, 3], activation="prelu", output_activation="sigmoid", seed=1),
        nn.MLP(2, [3, 2], activation="tanh", init="kaiming", seed=2),
        nn.Layer(2, 3, activation="elu", seed=3),
        nn.Neuron(2, nonlin=False, seed=4),
    ],
    ids=repr,
)
def test_save_load_round_trip_is_exact(tmp_path, model):
    path = tmp_path / "model.json"
    nn.save(model, path)
    loaded = nn.load(path)
    assert type(loaded) is type(model)
    assert repr(loaded) == repr(model)
    assert loaded.state_dict() == model.state_dict()  # every float to the last bit
    assert loaded.predict(X) == model.predict(X)


def test_file_format(tmp_path):
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    path = tmp_path / "m.json"
    nn.save(model, str(path))
    doc = json.loads(path.read_text())
    assert doc["format_version"] == nn.FORMAT_VERSION == 1
    assert doc["type"] == "MLP"
    assert doc["architecture"] == {
        "nin": 2,
        "nouts": [3, 1],
        "activation": "tanh",
        "output_activation": "linear",
    }
    assert doc["parameters"] == model.state_dict()


def test_load_into_an_existing_model(tmp_path):
    a, b = nn.MLP(2, [4, 1], seed=0), nn.MLP(2, [4, 1], seed=1)
    nn.save(a, tmp_path / "a.json")
    assert nn.load(tmp_path / "a.json", model=b) is b
    assert b.state_dict() == a.state_dict()


def test_load_does_not_touch_global_random(tmp_path):
    import random

    nn.save(nn.MLP(2, [4, 1], seed=0), tmp_path / "a.json")
    random.seed(0)
    expected = random.random()
    random.seed(0)
    nn.load(tmp_path / "a.json")
    assert random.random() == expected


def test_save_is_atomic_and_leaves_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    old = nn.MLP(2, [3, 1], seed=0)
    nn.save(old, path)
    before = path.read_bytes()

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        nn.save(nn.MLP(2, [3, 1], seed=1), path)
    assert path.read_bytes() == before  # the old file is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]  # no temp file left


def test_saving_non_finite_parameters_is_refused(tmp_path):
    model = nn.MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[1].b.data = float("nan")
    with pytest.raises(ValueError, match="'layers.0.neurons.1.b' is nan"):
        nn.save(model, tmp_path / "m.json")
    assert list(tmp_path.iterdir()) == []


def write(tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text) if isinstance(text, str) else path.write_bytes(text)
    return path


def good_doc():
    model = nn.MLP(2, [3, 1], seed=0)
    return {
        "format_version": 1,
        "type": "MLP",
        "architecture": model.config(),
        "parameters": model.state_dict(),
    }


def doc_with(**changes):
    doc = good_doc()
    for k, v in changes.items():
        if v is None:
            del doc[k]
        else:
            doc[k] = v
    return json.dumps(doc)


def truncated_parameters():
    doc = good_doc()
    doc["parameters"].pop("layers.1.neurons.0.b")
    return json.dumps(doc)


def renamed_parameter():
    doc = good_doc()
    doc["parameters"]["layers.1.b"] = doc["parameters"].pop("layers.1.neurons.0.b")
    return json.dumps(doc)


@pytest.mark.parametrize(
    "content, match",
    [
        ('{"format_version": 1, "type": "MLP", "archi', "is corrupt \\(invalid JSON"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        ("[1, 2, 3]", "no format_version"),
        (doc_with(format_version=2), "format_version 2; this version reads 1"),
        (doc_with(type="Transformer"), "unknown model type 'Transformer'"),
        (doc_with(parameters=None), "missing 'parameters'"),
        (doc_with(architecture={"nin": 2, "nouts": [3, 1], "depth": 9}), "invalid architecture"),
        (doc_with(architecture={"nin": -2, "nouts": [3, 1]}), "invalid architecture"),
        (truncated_parameters(), "declares at least 13 parameters but holds 12"),
        (renamed_parameter(), "missing 'layers.1.neurons.0.b'; unexpected 'layers.1.b'"),
    ],
)
def test_corrupt_files_give_clear_errors(tmp_path, content, match):
    path = write(tmp_path, content)
    with pytest.raises(ValueError, match=match):
        nn.load(path)


@pytest.mark.parametrize(
    "content",
    [
        '{"format_version": 1, "type": "MLP", "archi',
        doc_with(format_version=2),
        truncated_parameters(),
    ],
)
def test_corrupt_file_leaves_the_model_untouched(tmp_path, content):
    model = nn.MLP(2, [3, 1], seed=7)
    before = model.state_dict()
    with pytest.raises(ValueError):
        nn.load(write(tmp_path, content), model=model)
    assert model.state_dict() == before


def test_other_architecture_raises_and_leaves_the_model_untouched(tmp_path):
    nn.save(nn.MLP(2, [8, 1], seed=0), tmp_path / "big.json")
    model = nn.MLP(2, [4, 1], seed=1)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"holds MLP\(nin=2, nouts=\[8, 1\].*does not fit MLP"):
        nn.load(tmp_path / "big.json", model=model)
    assert model.state_dict() == before
    tanh = nn.MLP(2, [8, 1], activation="tanh", seed=1)
    with pytest.raises(ValueError, match="activation='relu'.*does not fit.*activation='tanh'"):
        nn.load(tmp_path / "big.json", model=tanh)


def test_save_refuses_unknown_module_types(tmp_path):
    class Custom(nn.Module):
        pass

    with pytest.raises(TypeError, match="can only save MLP, Layer, Neuron models, got Custom"):
        nn.save(Custom(), tmp_path / "c.json")


@pytest.mark.parametrize("activation", sorted(nn.ACTIVATIONS))
def test_to_torch_gives_the_same_outputs(torch, activation):
    model = nn.MLP(2, [6, 5, 3], activation=activation, seed=0)
    for layer in model.layers:  # non-zero biases, so a dropped bias would show
        for i, n in enumerate(layer.neurons):
            n.b.data = 0.1 * (i - 2)
    net = nn.to_torch(model)
    assert isinstance(net, torch.nn.Sequential)
    assert all(p.dtype == torch.float64 for p in net.parameters())
    grid = [[a * 7.0, b * 7.0] for a in (-3.0, -0.5, 0.2, 1.0, 4.0) for b in (-2.0, 0.0, 3.0)]
    ours = model.predict(grid)
    theirs = net(torch.tensor(grid, dtype=torch.float64)).detach().tolist()
    for row_ours, row_theirs in zip(ours, theirs):
        assert row_ours == pytest.approx(row_theirs, rel=1e-12, abs=1e-12)


def test_to_torch_single_output_and_parameter_count(torch):
    model = nn.MLP(2, [16, 16, 1], seed=1337)
    net = nn.to_torch(model)
    assert sum(p.numel() for p in net.parameters()) == model.num_parameters()
    out = net(torch.tensor(X, dtype=torch.float64)).squeeze(1).tolist()
    assert out == pytest.approx(model.predict(X), rel=1e-12, abs=1e-12)


def test_to_torch_without_torch_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    with pytest.raises(ImportError, match=r"pip install 'stepgrad\[torch\]'"):
        nn.to_torch(nn.MLP(2, [1], seed=0))


def hostile(**change):
    doc = good_doc()
    for key, value in change.items():
        if key in ("nin", "nouts", "activation", "output_activation"):
            doc["architecture"][key] = value
        else:
            doc[key] = value
    return json.dumps(doc)


def good_doc_text():
    doc = good_doc()
    doc["parameters"]["layers.1.neurons.0.b"] = 12345.5
    return json.dumps(doc)


def nonlin_string():
    model = nn.Layer(2, 2, seed=0)
    doc = {
        "format_version": 1,
        "type": "Layer",
        "architecture": model.config(),
        "parameters": model.state_dict(),
    }
    doc["architecture"]["nonlin"] = "false"
    return json.dumps(doc)


HOSTILE_FILES = [
    ("deep", "[" * 100_000, "nested too deeply"),
    (
        "400 digits",
        hostile(nin=10**400),
        r"declares at least 30000\d*\.\.\. parameters but holds 13",
    ),
    ("400-digit parameter", good_doc_text().replace("12345.5", "1" * 400, 1), "must be a finite"),
    ("type list", hostile(type=["MLP"]), "unknown model type \\['MLP'\\]"),
    ("version true", hostile(format_version=True), "format_version True"),
    ("declared size", hostile(nin=100_000, nouts=[100_000]), "declares at least 10000100000"),
    ("empty", "", "invalid JSON"),
    ("BOM only", "\ufeff", "invalid JSON"),
    ("bad utf-8", b'{"format_version": 1, "type": "\xc3\x28"}', "not UTF-8"),
    ("version 0", hostile(format_version=0), "format_version 0"),
    ("extra key", hostile(comment="hi"), "unexpected key 'comment'"),
    ("NaN", good_doc_text().replace("12345.5", "NaN", 1), "NaN is not a number JSON allows"),
    ("Infinity", good_doc_text().replace("12345.5", "-Infinity", 1), "-Infinity is not a number"),
    ("1e400", good_doc_text().replace("12345.5", "1e400", 1), "must be a finite number, got inf"),
    ("string number", hostile(nin="2"), "invalid architecture"),
    ("nonlin string", None, "nonlin must be True or False"),
]


@pytest.mark.parametrize(
    "content, match", [c[1:] for c in HOSTILE_FILES], ids=[c[0] for c in HOSTILE_FILES]
)
def test_hostile_files_give_one_line_naming_the_file(tmp_path, content, match):
    path = write(tmp_path, nonlin_string() if content is None else content)
    model = nn.MLP(2, [3, 1], seed=7)
    before = model.state_dict()
    for target, pattern in ((None, match), (model, None)):
        with pytest.raises(ValueError, match=pattern) as e:
            nn.load(path, target)
        message = str(e.value)
        assert "\n" not in message and str(path) in message and len(message) < 300
    assert model.state_dict() == before


def test_a_bom_before_a_good_file_is_harmless(tmp_path):
    model = nn.MLP(2, [3, 1], seed=0)
    nn.save(model, tmp_path / "m.json")
    text = (tmp_path / "m.json").read_text(encoding="utf-8")
    (tmp_path / "b.json").write_text("\ufeff" + text, encoding="utf-8")
    assert nn.load(tmp_path / "b.json").state_dict() == model.state_dict()


def test_a_directory_or_a_missing_file_is_an_os_error_naming_it(tmp_path):
    for path, error in ((tmp_path, IsADirectoryError), (tmp_path / "no.json", FileNotFoundError)):
        with pytest.raises(error) as e:
            nn.load(path)
        assert str(e.value).startswith(f"load: cannot read {path}: ")


def test_save_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "m.json"
    path.write_text("old")
    os.chmod(path, 0o644)
    nn.save(nn.MLP(2, [1], seed=0), path)
    assert os.stat(path).st_mode & 0o777 == 0o644
    os.chmod(path, 0o640)
    nn.save(nn.MLP(2, [1], seed=0), path)
    assert os.stat(path).st_mode & 0o777 == 0o640


def test_save_cleans_temp_files_of_killed_saves_only(tmp_path):
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = int(done.stdout)
    stale = tmp_path / f".m.json.{dead}.abc123.tmp"
    stale.write_text("half")
    live = tmp_path / f".m.json.{os.getppid()}.xyz.tmp"  # a save in progress elsewhere
    live.write_text("half")
    other = tmp_path / f".n.json.{dead}.abc.tmp"  # another file's
    other.write_text("half")
    nn.save(nn.MLP(2, [1], seed=0), tmp_path / "m.json")
    assert not stale.exists() and live.exists() and other.exists()


def test_to_torch_prelu_on_one_unbatched_row(torch):
    model = nn.MLP(2, [4, 3], activation="prelu", seed=0)
    net = nn.to_torch(model)
    row = [0.3, -1.2]
    out = net(torch.tensor(row, dtype=torch.float64)).tolist()
    assert out == pytest.approx(model.predict([row])[0], rel=1e-12, abs=1e-12)
