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
        (truncated_parameters(), "declares 13 parameters but holds 12"),
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
        r"declares 30000\d*\.\.\. parameters but holds 13",
    ),
    ("400-digit parameter", good_doc_text().replace("12345.5", "1" * 400, 1), "must be a finite"),
    ("type list", hostile(type=["MLP"]), "unknown model type \\['MLP'\\]"),
    ("version true", hostile(format_version=True), "format_version True"),
    ("declared size", hostile(nin=100_000, nouts=[100_000]), "declares 10000100000"),
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


def test_save_removes_only_its_own_temp_file(tmp_path):
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = int(done.stdout)
    # Files a save's temp name could be mistaken for: a killed save's, the user's own, and
    # those of saves to other names that start alike.
    others = [f".m.json.{dead}.abc123.tmp", ".m.json.300.tmp", f".m.json.300.{dead}.x.tmp"]
    for name in others:
        (tmp_path / name).write_text("half")
    nn.save(nn.MLP(2, [1], seed=0), tmp_path / "m.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*others, "m.json"])


def test_a_save_does_not_disturb_a_concurrent_save_to_a_similar_name(tmp_path, monkeypatch):
    replace = os.replace
    inner = []

    def save_another_first(src, dst):  # while the save to ckpt.300 is between write and rename
        if not inner:
            inner.append(dst)
            nn.save(nn.MLP(2, [1], seed=1), tmp_path / "ckpt")
        replace(src, dst)

    monkeypatch.setattr(os, "replace", save_another_first)
    nn.save(nn.MLP(2, [1], seed=0), tmp_path / "ckpt.300")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt", "ckpt.300"]
    assert nn.load(tmp_path / "ckpt.300").state_dict() == nn.MLP(2, [1], seed=0).state_dict()


def test_save_writes_through_a_symlink_in_the_target_folder(tmp_path, monkeypatch):
    real_dir, link_dir = tmp_path / "real", tmp_path / "links"
    real_dir.mkdir()
    link_dir.mkdir()
    target = real_dir / "m.json"
    nn.save(nn.MLP(2, [1], seed=0), target)
    os.chmod(target, 0o640)
    (link_dir / "m.json").symlink_to(target)
    (link_dir / "chain.json").symlink_to(link_dir / "m.json")  # a link to a link
    folders = []
    replace = os.replace

    def record(src, dst):
        folders.append((os.path.dirname(src), str(dst)))
        replace(src, dst)

    monkeypatch.setattr(os, "replace", record)
    model = nn.MLP(2, [1], seed=1)
    nn.save(model, link_dir / "chain.json")
    assert (link_dir / "m.json").is_symlink() and (link_dir / "chain.json").is_symlink()
    assert nn.load(target).state_dict() == model.state_dict()
    assert folders == [(str(real_dir), str(target))]  # the temp beside the real file
    assert os.stat(target).st_mode & 0o777 == 0o640
    assert sorted(p.name for p in link_dir.iterdir()) == ["chain.json", "m.json"]
    assert sorted(p.name for p in real_dir.iterdir()) == ["m.json"]


def test_save_through_a_dangling_symlink_creates_its_target(tmp_path):
    (tmp_path / "link.json").symlink_to(tmp_path / "new.json")
    nn.save(nn.MLP(2, [1], seed=0), tmp_path / "link.json")
    assert (tmp_path / "link.json").is_symlink()
    assert nn.load(tmp_path / "new.json").num_parameters() == 3


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_save_as_root_keeps_another_users_owner_group_and_mode(tmp_path):
    path = tmp_path / "m.json"
    nn.save(nn.MLP(2, [1], seed=0), path)
    os.chown(path, 65534, 65534)
    os.chmod(path, 0o604)
    nn.save(nn.MLP(2, [1], seed=1), path)
    st = os.stat(path)
    assert (st.st_uid, st.st_gid, st.st_mode & 0o7777) == (65534, 65534, 0o604)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_a_save_that_cannot_keep_the_owner_is_refused_and_changes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    nn.save(nn.MLP(2, [1], seed=0), path)
    os.chown(path, 65534, 65534)
    before = path.read_bytes()

    def not_root(fd, uid, gid):  # what chown answers a process that is not root
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "fchown", not_root)
    with pytest.raises(PermissionError) as e:
        nn.save(nn.MLP(2, [1], seed=1), path)
    assert str(e.value) == (
        f"save: cannot write {path}: it belongs to uid 65534, gid 65534, which this process "
        f"cannot give the new file; not replacing it"
    )
    assert path.read_bytes() == before and path.stat().st_uid == 65534
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


@pytest.mark.parametrize("length", [254, 255])
def test_a_file_name_as_long_as_the_system_allows_saves_and_loads(tmp_path, length):
    path = tmp_path / ("m" * (length - 5) + ".json")
    model = nn.MLP(2, [3, 1], seed=0)
    nn.save(model, path)
    nn.save(model, path)  # over an existing file too
    assert nn.load(path).state_dict() == model.state_dict()
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_a_long_name_in_many_bytes_per_character_saves(tmp_path):
    path = tmp_path / ("é" * 122 + ".json")  # 249 bytes in UTF-8
    nn.save(nn.MLP(2, [1], seed=0), path)
    assert nn.load(path).num_parameters() == 3


def test_bytes_paths_work_and_other_types_get_one_line(tmp_path):
    path = os.fsencode(tmp_path / "m.json")
    model = nn.MLP(2, [3, 1], seed=0)
    nn.save(model, path)
    assert nn.load(path).state_dict() == model.state_dict()
    for call in (lambda: nn.save(model, 3), lambda: nn.load(None)):
        with pytest.raises(TypeError, match=r"^(save|load): path must be a str, bytes or os"):
            call()


@pytest.mark.parametrize("where", ["mkstemp", "replace"])
def test_a_permission_error_names_the_target_not_the_temp(tmp_path, monkeypatch, where):
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / ".m.json.abcdefgh.tmp"))

    monkeypatch.setattr(tempfile if where == "mkstemp" else os, where, refuse)
    path = tmp_path / "m.json"
    with pytest.raises(PermissionError) as e:
        nn.save(nn.MLP(2, [1], seed=0), path)
    assert str(e.value) == f"save: cannot write {path}: Permission denied"
    assert list(tmp_path.iterdir()) == []


def test_save_into_a_missing_folder_names_the_target(tmp_path):
    path = tmp_path / "no" / "m.json"
    with pytest.raises(FileNotFoundError) as e:
        nn.save(nn.MLP(2, [1], seed=0), path)
    assert str(e.value) == f"save: cannot write {path}: No such file or directory"


def load_in_a_box(path) -> str:
    """What ``nn.load(path)`` raises, run in a child process with 512 MB of memory and 20 s,
    so a load that reads a device forever or blocks on a FIFO fails the test, not the machine."""
    import resource
    import subprocess

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (512 * 2**20, 512 * 2**20))

    code = (
        "import sys, nn\n"
        "try:\n    nn.load(sys.argv[1])\n"
        "except Exception as e:\n    print(type(e).__name__ + ': ' + str(e))\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(path)],
            capture_output=True,
            text=True,
            timeout=20,
            preexec_fn=limit,
            env={**os.environ, "PYTHONPATH": root},
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "blocked for 20 s"
    return done.stdout.strip() or done.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_load_refuses_a_device_without_reading_it(device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    assert load_in_a_box(device) == (
        f"ValueError: load: {device} is a character device, not a regular file: not reading it"
    )


def test_load_refuses_a_fifo_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    (tmp_path / "link.json").symlink_to(fifo)
    for path in (fifo, tmp_path / "link.json"):
        assert load_in_a_box(path) == (
            f"ValueError: load: {path} is a FIFO, not a regular file: not reading it"
        )


def test_load_caps_the_size_it_reads(tmp_path):
    path = tmp_path / "m.json"
    nn.save(nn.MLP(2, [3, 1], seed=0), path)
    size = path.stat().st_size
    with pytest.raises(ValueError, match=rf"m.json is larger than {size - 1:,} bytes"):
        nn.load(path, max_bytes=size - 1)
    assert nn.load(path, max_bytes=size).num_parameters() == 13
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as f:  # sparse: no disk used, and never read
        f.truncate(nn.io.MAX_BYTES + 1)
    with pytest.raises(ValueError, match="is larger than 268,435,456 bytes"):
        nn.load(huge)


def test_load_checks_names_and_counts_before_building_the_model(tmp_path, monkeypatch):
    model = nn.MLP(2, [30, 30, 1], seed=0)
    doc = {"format_version": 1, "type": "MLP", "architecture": model.config()}
    junk = {f"junk.{i}": 0.5 for i in range(model.num_parameters())}
    for params, match in [
        (junk, r"missing 'layers.0.neurons.0.w.0'; unexpected 'junk.0'"),
        (dict(list(junk.items())[:-1]), "declares 1051 parameters but holds 1,050"),
    ]:
        (tmp_path / "j.json").write_text(json.dumps({**doc, "parameters": params}))

        def never(**config):
            raise AssertionError("built a model before checking the parameters")

        monkeypatch.setitem(nn.io._TYPES, "MLP", never)
        with pytest.raises(ValueError, match=match):
            nn.load(tmp_path / "j.json")


@pytest.mark.parametrize(
    "config, kind",
    [
        ({"nin": 3, "nouts": [4, 2, 1], "activation": "prelu", "output_activation": "linear"},
         "MLP"),
        ({"nin": 2, "nouts": [3], "activation": "relu", "output_activation": "prelu"}, "MLP"),
        ({"nin": 2, "nouts": [1, 1], "activation": "tanh", "output_activation": "sigmoid"}, "MLP"),
        ({"nin": 2, "nout": 3, "nonlin": True, "activation": "prelu"}, "Layer"),
        ({"nin": 2, "nout": 3, "nonlin": False, "activation": "prelu"}, "Layer"),
        ({"nin": 4, "nonlin": True, "activation": "prelu"}, "Neuron"),
        ({"nin": 4, "nonlin": True, "activation": "elu"}, "Neuron"),
    ],
)  # fmt: skip
def test_declared_parameters_are_the_built_models_names(config, kind):
    from nn.module import declared_parameters

    built = nn.io._TYPES[kind](**config, seed=0)
    total, names = declared_parameters(kind, config)
    assert list(names) == [name for name, _ in built.named_parameters()]
    assert total == built.num_parameters()


@pytest.mark.parametrize("where", ["top", "architecture", "parameters"])
def test_a_key_given_twice_is_refused(tmp_path, where):
    model = nn.MLP(2, [1], seed=0)
    nn.save(model, tmp_path / "m.json")
    text = (tmp_path / "m.json").read_text()
    twice = {
        "top": ('"type": "MLP"', '"type": "MLP", "type": "Layer"'),
        "architecture": ('"nin": 2', '"nin": 2, "nin": 3'),
        "parameters": ('"layers.0.neurons.0.b": 0.0', '"layers.0.neurons.0.b": 0.0, '
                       '"layers.0.neurons.0.b": 5.0'),
    }[where]  # fmt: skip
    assert twice[0] in text
    (tmp_path / "d.json").write_text(text.replace(twice[0], twice[1], 1))
    key = twice[0].split(":")[0]
    with pytest.raises(ValueError, match=rf"d.json is corrupt \(key '{key[1:-1]}' appears twice\)"):
        nn.load(tmp_path / "d.json")


def test_to_torch_prelu_on_one_unbatched_row(torch):
    model = nn.MLP(2, [4, 3], activation="prelu", seed=0)
    net = nn.to_torch(model)
    row = [0.3, -1.2]
    out = net(torch.tensor(row, dtype=torch.float64)).tolist()
    assert out == pytest.approx(model.predict([row])[0], rel=1e-12, abs=1e-12)


def test_loading_into_a_model_whose_layers_were_mixed_by_hand_names_load(tmp_path):
    path = tmp_path / "m.json"
    nn.save(nn.MLP(2, [3, 1], seed=0), path)
    mixed = nn.MLP(2, [3, 1], seed=1)
    mixed.layers[0].neurons[0].nonlin = False
    with pytest.raises(ValueError, match=r"^load: cannot load .*m\.json into .*different") as info:
        nn.load(path, mixed)
    assert "\n" not in str(info.value)
