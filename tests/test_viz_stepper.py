"""viz.backprop_frames and viz.stepper_html (content; the browser test drives the page)."""

from __future__ import annotations

import html
import re

import pytest

from autograd import Value, backward_steps
from viz import MissingDotWarning, backprop_frames, stepper_html
from viz.notation import Names, chain_lines, fmt, graph_nodes
from viz.stepper import trace


def classic():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    return x, y, z, (x + y) * z


def grads_shown(src: str) -> dict[str, str]:
    """name -> grad text ('' when blank) for every box in a frame's DOT source."""
    shown = {}
    for m in re.finditer(
        r"<td>(?:<b>)?([^<]*)(?:</b>)?</td><td>data [^<]*</td><td>grad ([^<]*)<", src
    ):
        shown[html.unescape(m.group(1))] = m.group(2)
    return shown


def test_frames_fill_in_one_step_at_a_time():
    x, y, z, out = classic()
    frames = backprop_frames(out)
    assert len(frames) == 3  # forward pass + one per node with parents
    shown = [grads_shown(f.source) for f in frames]
    assert shown[0] == {"x": "", "y": "", "z": "", "q": "", "out": ""}
    assert shown[1] == {"x": "", "y": "", "z": "3", "q": "-4", "out": "1"}
    assert shown[2] == {"x": "-4", "y": "-4", "z": "3", "q": "-4", "out": "1"}


def test_each_frame_highlights_the_node_of_its_step():
    *_, out = classic()
    frames = backprop_frames(out)
    steps = list(backward_steps(out))
    names = Names(out)
    for frame, step in zip(frames[1:], steps):
        lit = [line for line in frame.source.splitlines() if "#ffe34d" in line and "<td>" in line]
        assert len(lit) == 1 and f">{names[step.node]}<" in lit[0]
    assert "#ffe34d" not in frames[0].source


def test_last_frame_matches_backward():
    a, b = Value(0.7, "a"), Value(-1.2, "b")
    out = ((a * b).tanh() + a * a).sigmoid()
    last = grads_shown(backprop_frames(out)[-1].source)
    out.backward()
    assert last["a"] == fmt(a.grad) and last["b"] == fmt(b.grad)


def test_stepping_leaves_every_grad_as_it_was(tmp_path, monkeypatch):
    x, y, z, out = classic()
    nodes = graph_nodes(out)
    for i, n in enumerate(nodes):
        n.grad = 10.0 + i  # whatever the caller had
    before = [n.grad for n in nodes]
    backprop_frames(out)
    trace(out)
    monkeypatch.setenv("PATH", "")  # no dot needed for this check
    with pytest.warns(MissingDotWarning):
        stepper_html(out, tmp_path / "s.html")
    assert [n.grad for n in nodes] == before


def test_grads_are_restored_even_when_stepping_fails(monkeypatch):
    import viz.stepper

    x, y, z, out = classic()
    x.grad = 5.0

    def broken(step, names, seen):
        raise RuntimeError("boom")

    monkeypatch.setattr(viz.stepper, "chain_lines", broken)
    with pytest.raises(RuntimeError):
        trace(out)
    assert [n.grad for n in graph_nodes(out)] == [5.0, 0.0, 0.0, 0.0, 0.0]


def test_frames_of_a_leaf():
    frames = backprop_frames(Value(2.0, "x"))
    assert len(frames) == 1 and "data 2" in frames[0].source


def test_stepper_is_one_self_contained_page(dot, tmp_path):
    *_, out = classic()
    path = stepper_html(out, tmp_path / "step.html")
    page = path.read_text(encoding="utf-8")
    assert page.count('<template class="frame"') == 3
    assert page.count("<svg") == 3
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page
    # no network: nothing fetched from anywhere
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page)
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert "https://" not in page and "@import" not in page and "url(" not in page
    for element in ("prev", "next", "play", "slider", "step-label", "explain", "picture"):
        assert f'id="{element}"' in page
    assert "dq = dout * z = 1 * -4 = -4" in page
    assert "dx = dq * 1 = -4 * 1 = -4" in page
    assert "#step=" in page and "replaceState" in page and "ArrowRight" in page


def test_stepper_text_matches_the_engine_steps(dot, tmp_path):
    a, b = Value(0.5, "a"), Value(-1.5, "b")
    out = (a * b + a).tanh()
    page = stepper_html(out, tmp_path / "s.html").read_text()
    names, seen = Names(out), {}
    for step in backward_steps(out):
        for line in chain_lines(step, names, seen):
            assert html.escape(line) in page


def test_stepper_without_dot_keeps_the_text_and_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "")
    *_, out = classic()
    with pytest.warns(MissingDotWarning, match="install graphviz"):
        path = stepper_html(out, tmp_path / "s.html")
    page = path.read_text()
    assert 'id="no-pictures"' in page and "apt-get install graphviz" in page
    assert page.count('<template class="frame"') == 3 and "<svg" not in page
    assert "dq = dout * z = 1 * -4 = -4" in page


def test_stepper_escapes_labels(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "")
    x = Value(1.0, "</template><script>alert(1)</script>")
    with pytest.warns(MissingDotWarning):
        page = stepper_html(x * 2.0, tmp_path / "s.html").read_text()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
