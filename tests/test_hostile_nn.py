"""Hostile input for nn: fuzzed model files, fuzzed optimizer and fit settings, and saves
killed with SIGKILL. Every case either works with its documented meaning or raises one
ValueError/OSError (TypeError for a wrong type of object) of one line; nothing else escapes,
and a model that a failed load or fit was given is left as it was."""

from __future__ import annotations

import json
import math
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import nn
from autograd import Value

ROOT = Path(__file__).resolve().parents[1]
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# Cases tried by this module (a hypothesis example or one SIGKILL), printed at the end with
# STEPGRAD_COUNT_CASES=1 (as tests/test_hostile.py does).
TRIED: dict[str, int] = {}


def tried(name: str) -> None:
    TRIED[name] = TRIED.get(name, 0) + 1


@pytest.fixture(autouse=True, scope="module")
def _count():
    yield
    if os.environ.get("STEPGRAD_COUNT_CASES"):
        total = sum(TRIED.values())
        print(f"\nhostile nn cases tried: {total} {dict(sorted(TRIED.items()))}", file=sys.stderr)


def good_model() -> nn.MLP:
    return nn.MLP(2, [3, 1], activation="prelu", seed=0)


def good_bytes() -> bytes:
    model = good_model()
    doc = {
        "format_version": 1,
        "type": "MLP",
        "architecture": model.config(),
        "parameters": model.state_dict(),
    }
    return (json.dumps(doc, indent=1) + "\n").encode()


GOOD = good_bytes()

# Values a hostile file (or user) puts where a number, a bool or a name belongs.
HOSTILE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.sampled_from([0, -1, 1, 10**5, 10**12, 2**63]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["false", "MLP", "relu", "1", ""]),
    st.lists(st.integers(-3, 10**6), max_size=4),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def check_load(path: Path) -> None:
    """nn.load of ``path`` works, or refuses in one line naming the file, model untouched."""
    into = good_model()
    before = into.state_dict()
    for target in (None, into):
        try:
            loaded = nn.load(path, target)
        except (ValueError, OSError) as err:
            message = str(err)
            assert "\n" not in message and str(path) in message, message
            assert into.state_dict() == before
        else:
            assert all(math.isfinite(v) for v in loaded.state_dict().values())


@FUZZ
@given(
    edits=st.lists(
        st.tuples(
            st.sampled_from(["set", "insert", "delete", "truncate"]),
            st.integers(0, len(GOOD) - 1),
            st.integers(0, 255),
        ),
        min_size=1,
        max_size=4,
    )
)
@example(edits=[("truncate", 0, 0)])
@example(edits=[("truncate", len(GOOD) // 2, 0)])
def test_load_survives_byte_mutations(tmp_path, edits):
    tried("load: byte mutations")
    data = bytearray(GOOD)
    for kind, pos, byte in edits:
        pos = min(pos, max(len(data) - 1, 0))
        if kind == "set" and data:
            data[pos] = byte
        elif kind == "insert":
            data.insert(pos, byte)
        elif kind == "delete" and data:
            del data[pos]
        elif kind == "truncate":
            del data[pos:]
    path = tmp_path / "mutated.json"
    path.write_bytes(bytes(data))
    check_load(path)


FIELDS = [
    ("format_version",),
    ("type",),
    ("architecture",),
    ("parameters",),
    ("architecture", "nin"),
    ("architecture", "nouts"),
    ("architecture", "activation"),
    ("architecture", "output_activation"),
    ("parameters", "layers.0.neurons.0.w.0"),
    ("parameters", "layers.1.neurons.0.a"),
    ("extra",),
    ("architecture", "extra"),
]


@FUZZ
@given(field=st.sampled_from(FIELDS), value=HOSTILE_VALUES)
@example(field=("architecture", "nouts"), value=[100_000])
@example(field=("format_version",), value=True)
@example(field=("type",), value=["MLP"])
@example(field=("architecture", "nin"), value=10**400)
def test_load_survives_hostile_values_in_any_field(tmp_path, field, value):
    tried("load: hostile values")
    doc = json.loads(GOOD)
    where = doc
    for key in field[:-1]:
        where = where[key]
    where[field[-1]] = value
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(doc))
    check_load(path)


@pytest.mark.parametrize(
    "content",
    [
        "[" * 100_000,
        "{" * 100_000,
        '{"a": ' * 50_000,
        "\ufeff",
        "",
        "null",
        "1e400",
        b"\xff\xfe\xfd",
        '{"format_version": 1}',
        '{"format_version": NaN}',
    ],
)
def test_load_survives_fixed_hostile_files(tmp_path, content):
    tried("load: fixed files")
    path = tmp_path / "fixed.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ValueError):
        nn.load(path)
    check_load(path)


def test_load_of_a_directory_or_missing_file_is_an_os_error(tmp_path):
    for path in (tmp_path, tmp_path / "missing.json"):
        tried("load: fixed files")
        with pytest.raises(OSError, match="load: cannot read"):
            nn.load(path)


SETTINGS = [
    (nn.SGD, "lr"),
    (nn.SGD, "momentum"),
    (nn.AdaGrad, "lr"),
    (nn.AdaGrad, "eps"),
    (nn.RMSProp, "alpha"),
    (nn.RMSProp, "eps"),
    (nn.RMSProp, "momentum"),
    (nn.Adam, "lr"),
    (nn.Adam, "betas"),
    (nn.Adam, "eps"),
]
NUMBERS = st.one_of(
    HOSTILE_VALUES,
    st.sampled_from([Fraction(1, 3), Decimal("0.1"), 1j, -0.0, 5e-324, 0.5, 0.999]),
    st.tuples(HOSTILE_VALUES, HOSTILE_VALUES),
)


def valid(name, value):
    if name == "betas":
        return all(0 <= b < 1 for b in value)
    if name in ("lr", "eps"):
        return math.isfinite(value) and value > 0
    return math.isfinite(value) and 0 <= value < 1


@FUZZ
@given(which=st.sampled_from(SETTINGS), value=NUMBERS, later=st.booleans())
def test_optimizer_settings_are_valid_or_refused_in_one_line(which, value, later):
    tried("optimizer settings")
    cls, name = which
    w = Value(1.0)
    lr = {} if cls is not nn.SGD else {"lr": 0.1}
    try:
        if later:
            opt = cls([w], **lr)
            setattr(opt, name, value)
        else:
            opt = cls([w], **{**lr, name: value})
    except ValueError as err:
        assert "\n" not in str(err) and name in str(err)
        return
    assert valid(name, getattr(opt, name))
    w.grad = 1.0
    opt.step()
    assert math.isfinite(w.data)


@FUZZ
@given(
    setting=st.sampled_from(["epochs", "batch_size", "l2", "lr_schedule", "seed"]),
    value=HOSTILE_VALUES,
)
def test_fit_settings_work_or_refuse_in_one_line(setting, value):
    tried("fit settings")
    model = nn.MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    args = {"epochs": 2, "batch_size": 2, "l2": 0.0, "lr_schedule": None, "seed": 0}
    if setting == "lr_schedule":
        args[setting] = lambda epoch: value
    elif setting == "epochs" and isinstance(value, int) and value > 3:
        value = 3  # a legal count: keep the run short
    else:
        args[setting] = value
    X, y = [[0.1, 0.2], [0.3, 0.1], [-0.2, 0.5]], [1, -1, 1]
    try:
        nn.fit(
            model,
            X,
            y,
            loss=nn.hinge_loss,
            optimizer=nn.SGD(model.parameters(), lr=0.1),
            progress=False,
            **args,
        )
    except (ValueError, TypeError, OverflowError) as err:
        assert "\n" not in str(err)
        if not isinstance(err, OverflowError):
            assert str(err).startswith("fit:") or setting == "seed", err
        assert model.state_dict() == before
    else:
        assert all(math.isfinite(v) for v in model.state_dict().values())


CHILD = textwrap.dedent(
    """
    import sys
    import nn
    path = sys.argv[1]
    models = [nn.MLP(20, [150, 100, 10], seed=1), nn.MLP(20, [150, 100, 10], seed=2)]
    print("ready", flush=True)
    k = 0
    while True:
        nn.save(models[k % 2], path)
        k += 1
    """
)


def test_save_survives_sigkill_at_random_moments(tmp_path):
    path = tmp_path / "big.json"
    states = [nn.MLP(20, [150, 100, 10], seed=s).state_dict() for s in (1, 2)]
    nn.save(nn.MLP(20, [150, 100, 10], seed=1), path)
    rng = random.Random(0)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    killed = []
    for _ in range(20):
        tried("save: SIGKILL")
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path)], env=env, stdout=subprocess.PIPE, text=True
        )
        assert child.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        killed.append(child.pid)
        child.stdout.close()
        assert nn.load(path).state_dict() in states  # complete: the old model or the new
    # A killed save cannot clean up: at most one temp file per kill, each of save's naming,
    # and the next save leaves them alone (only a save's own temp file is its to remove).
    left = sorted(p.name for p in tmp_path.iterdir() if p.name != "big.json")
    assert len(left) <= len(killed)
    assert all(re.fullmatch(r"\.big\.json\.[a-z0-9_]{8}\.tmp", name) for name in left), left
    nn.save(nn.MLP(20, [150, 100, 10], seed=2), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*left, "big.json"])
