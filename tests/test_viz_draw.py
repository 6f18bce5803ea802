"""viz.draw and viz.render: picture content checked on the DOT source, rendering with dot."""

from __future__ import annotations

import re
import warnings

import graphviz
import pytest

from autograd import Value
from viz import MissingDotWarning, draw, render
from viz.draw import layout_size
from viz.notation import graph_nodes


def classic():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    out = (x + y) * z
    out.backward()
    return x, y, z, out


def node_lines(src: str) -> list[str]:
    return [line for line in src.splitlines() if re.match(r"\s*v\d+(_in)? \[", line)]


def op_lines(src: str) -> list[str]:
    return [line for line in src.splitlines() if re.match(r"\s*v\d+_op \[", line)]


def edges(src: str) -> list[tuple[str, str]]:
    return re.findall(r"^\s*(\w+) -> (\w+)", src, flags=re.M)


def test_draw_returns_a_digraph_with_one_box_per_value_and_one_node_per_op():
    *_, out = classic()
    g = draw(out)
    assert isinstance(g, graphviz.Digraph)
    src = g.source
    boxes = node_lines(src)
    assert len(boxes) == 5 and len(op_lines(src)) == 2
    for name, data, grad in [
        ("x", "-2", "-4"),
        ("y", "5", "-4"),
        ("z", "-4", "3"),
        ("q", "3", "-4"),
        ("out", "-12", "1"),
    ]:
        assert any(
            f">{name}<" in b and f"data {data}<" in b and f"grad {grad}<" in b for b in boxes
        ), name
    # x -> op, y -> op, op -> q, q -> op, z -> op, op -> out
    assert len(edges(src)) == 6


def test_each_use_of_a_value_is_its_own_edge():
    a = Value(3.0, "a")
    src = draw(a * a).source
    assert edges(src).count(("v0", "v1_op")) == 2
    assert "data 9" in src


def test_op_nodes_name_the_op_and_its_constant():
    x = Value(1.5, "x")
    src = draw((x**2).leaky_relu(0.1).tanh()).source
    ops = " ".join(op_lines(src))
    assert '"** 2"' in ops and '"leaky_relu(0.1)"' in ops and "tanh" in ops


def test_show_grad_false_leaves_grads_out():
    *_, out = classic()
    src = draw(out, show_grad=False).source
    assert "grad" not in src and "data -12" in src


def node_id(src: str, name: str) -> str:
    (line,) = [b for b in node_lines(src) if f">{name}<" in b]
    return line.split()[0]


def fill_of(src: str, name: str) -> str:
    (line,) = [b for b in node_lines(src) if f">{name}<" in b]
    return re.search(r'bgcolor="([^"]+)"', line).group(1)


def test_leaves_parameters_constants_and_output_are_told_apart():
    x, w = Value(1.0, "x"), Value(0.5, "w")
    out = (w * x + 2.0).tanh()
    src = draw(out, params=[w], constants="nodes").source
    fills = {name: fill_of(src, name) for name in ("x", "w", "2", "q", "out")}
    assert len(set(fills.values())) == 5, fills
    out_line = [b for b in node_lines(src) if ">out<" in b][0]
    assert 'border="2"' in out_line  # the output is also drawn bold


def test_highlight_marks_the_node_and_the_edges_into_it():
    x, y, z, out = classic()
    q = out.parents[0]
    plain = draw(out).source
    lit = draw(out, highlight=q).source
    assert fill_of(lit, "q") != fill_of(plain, "q")
    assert fill_of(lit, "out") == fill_of(plain, "out")
    ids = {name: node_id(lit, name) for name in ("x", "y", "q")}
    thick = re.findall(r"^\s*(\w+) -> (\w+) \[[^]]*penwidth", lit, flags=re.M)
    # x -> op, y -> op and op -> q: the edges the chain rule uses at q
    q_op = ids["q"] + "_op"
    assert sorted(thick) == sorted([(ids["x"], q_op), (ids["y"], q_op), (q_op, ids["q"])])


def test_draw_leaves_every_grad_as_it_was():
    x, y, z, out = classic()
    before = [n.grad for n in graph_nodes(out)]
    draw(out, highlight=[x, out])
    assert [n.grad for n in graph_nodes(out)] == before


def test_draw_escapes_labels():
    v = Value(1.0, "<b>&{|}")
    src = draw(v * 2.0).source
    assert "&lt;b&gt;&amp;{|}" in src


def test_draw_rejects_a_bad_rankdir():
    with pytest.raises(ValueError, match="rankdir"):
        draw(Value(1.0), rankdir="sideways")


def test_a_10000_node_chain_is_refused_at_once_and_its_source_still_written(tmp_path, monkeypatch):
    import importlib

    from viz import render

    module = importlib.import_module("viz.draw")  # the module (viz.draw is the function)

    x = Value(0.5, "x")
    out = x
    for _ in range(10_000):
        out = out * 1.0001
    with monkeypatch.context() as m:  # refused before any picture is made
        m.setattr(module, "digraph", lambda *a, **k: pytest.fail("picture made"))
        with pytest.raises(ValueError, match=r"draw: the graph has 10001 nodes.*format='dot'"):
            draw(out)
        with pytest.raises(ValueError, match="render: the graph has 10001 nodes"):
            render(out, tmp_path / "g.svg")
    src = render(out, tmp_path / "g", format="dot").read_text()  # no recursion limit either
    assert len(op_lines(src)) == 10_000
    assert len(node_lines(src)) == 10_001  # x and 10,000 products; constants on their ops
    assert '"* 1.0001"' in src


def test_render_of_a_ready_made_big_picture_is_refused(tmp_path):
    import graphviz

    from viz import render

    big = graphviz.Digraph()
    for i in range(5000):
        big.node(f"n{i}", "x")
    with pytest.raises(ValueError, match="render: the picture has 5000 nodes"):
        render(big, tmp_path / "g.svg")
    assert render(big, tmp_path / "g", format="dot").exists()


def test_layout_size_grows_with_long_edges_not_just_nodes():
    x = Value(0.3, "x")
    chain = x
    for _ in range(50):
        chain = (chain * 0.5).tanh()
    fan = (x * 1.0).tanh()
    for i in range(1, 40):
        fan = fan + (x * float(i)).tanh()
    assert layout_size(graph_nodes(chain)) < 2 * len(graph_nodes(chain))
    assert layout_size(graph_nodes(fan)) > 5 * len(graph_nodes(fan))


def test_render_writes_svg_and_png(dot, tmp_path):
    *_, out = classic()
    svg = render(out, tmp_path / "g", format="svg")
    assert svg == tmp_path / "g.svg"
    text = svg.read_text()
    assert "<svg" in text and re.search(r"grad (&#45;|-)4<", text)
    png = render(draw(out), tmp_path / "g.png", format="png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_render_dot_format_needs_no_binary(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "")
    *_, out = classic()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = render(out, tmp_path / "g", format="dot")
    assert path.suffix == ".dot" and path.read_text() == draw(out).source


def test_render_without_dot_writes_the_source_and_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "")
    *_, out = classic()
    with pytest.warns(MissingDotWarning, match="apt-get install graphviz"):
        path = render(out, tmp_path / "g", format="svg")
    assert path == tmp_path / "g.dot"
    assert "data -12" in path.read_text()
    assert not (tmp_path / "g.svg").exists()


def test_render_rejects_an_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="unknown format"):
        render(Value(1.0), tmp_path / "g", format="docx")


def test_constants_are_written_on_their_op_without_a_box():
    x = Value(2.0, "x")
    out = (x * 3.0 + 1.0) / Value(4.0)
    src = draw(out).source
    ops = " ".join(op_lines(src))
    assert '"* 3"' in ops and '"+ 1"' in ops and '"÷ 4"' in ops
    assert not any(">3<" in b or ">4<" in b or ">1<" in b for b in node_lines(src))


def test_params_are_named_and_coloured_from_a_module_or_mapping():
    import random

    import nn

    random.seed(0)
    model = nn.MLP(2, [2, 1])
    out = model([Value(1.0, "x1"), Value(-1.0, "x2")])
    src = draw(out, params=model).source
    for name in ("L0.N0.w0", "L0.N1.b", "L1.N0.w1", "L1.N0.b"):
        assert fill_of(src, name) == "#fdd49e"
    w = model.layers[0].neurons[0].w[0]
    assert fill_of(draw(w * 2.0, params={"first": w}).source, "first") == "#fdd49e"


def test_draw_of_a_number_is_a_one_line_type_error():
    with pytest.raises(TypeError, match="draw: expected a Value") as err:
        draw(3.0)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("label", ["a\0b", "x" * 20_000, "\ud800bad", "<&>\n\t"])
def test_hostile_labels_are_shortened_and_render(dot, tmp_path, label):
    out = Value(1.0, label) * 2.0
    path = render(out, tmp_path / "g", format="svg")
    assert path.stat().st_size < 20_000


def test_render_refuses_a_graph_too_big_to_lay_out(tmp_path, chain_of):
    out = chain_of(10_000)
    with pytest.raises(ValueError, match="render: the graph has 10001 nodes"):
        render(out, tmp_path / "g", format="svg")
    assert render(out, tmp_path / "g", format="dot").exists()  # the source is cheap
