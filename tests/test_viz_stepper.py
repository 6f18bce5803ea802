"""viz.backprop_frames, viz.Stepper and viz.stepper_html (content; the browser test drives
the page)."""

from __future__ import annotations

import html
import json
import random
import re

import pytest
from viz_pages import chain_rule, page_data

import nn
from autograd import Value, backward_steps
from viz import MissingDotWarning, Stepper, backprop_frames, stepper_html
from viz.notation import Names, chain_lines, fmt, graph_nodes
from viz.stepper import trace


def classic():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    return x, y, z, (x + y) * z


def grads_shown(src: str) -> dict[str, str]:
    """name -> grad text for every box in a frame's DOT source."""
    shown = {}
    cell = r"<td[^>]*>(?:<font[^>]*>)?(?:<b>)?"
    for m in re.finditer(
        cell + r"([^<]*)(?:</b>)?</td></tr><tr>" + cell + r"data [^<]*(?:</b>)?(?:</font>)?</td>"
        r"</tr><tr>" + cell + r"grad ([^<]*)<",
        src,
    ):
        shown[html.unescape(m.group(1))] = m.group(2)
    return shown


def test_frames_fill_in_one_step_at_a_time():
    x, y, z, out = classic()
    frames = backprop_frames(out)
    assert len(frames) == 3  # the forward pass done + one per node with parents
    shown = [grads_shown(f.source) for f in frames]
    assert shown[0] == {"x": "?", "y": "?", "z": "?", "q": "?", "out": "?"}
    assert shown[1] == {"x": "?", "y": "?", "z": "3", "q": "-4", "out": "1"}
    assert shown[2] == {"x": "-4", "y": "-4", "z": "3", "q": "-4", "out": "1"}


def test_each_frame_highlights_the_node_of_its_step_and_the_flow_points_back():
    *_, out = classic()
    frames = backprop_frames(out)
    steps = list(backward_steps(out))
    names = Names(out)
    for frame, step in zip(frames[1:], steps):
        lit = [line for line in frame.source.splitlines() if "#ffe34d" in line and "<td" in line]
        assert len(lit) == 1 and f">{names[step.node]}<" in lit[0]
        back = [line for line in frame.source.splitlines() if "dir=back" in line]
        assert len(back) == len(step.parents) + 1  # each input's edge and op to box
    assert "× (-4) = -4" in frames[1].source and "× 3 = 3" in frames[1].source
    assert "dir=back" not in frames[0].source  # the forward pass done: nothing flows back yet


def test_last_frame_matches_backward():
    a, b = Value(0.7, "a"), Value(-1.2, "b")
    out = ((a * b).tanh() + a * a).sigmoid()
    last = grads_shown(backprop_frames(out)[-1].source)
    out.backward()
    assert last["a"] == fmt(a.grad) and last["b"] == fmt(b.grad)


def pins(src: str) -> dict[str, str]:
    """Where a frame pins each node and edge: id -> pos."""
    return dict(re.findall(r'\bid="?([\w:.-]+)"?[^\n]*?\bpos="([^"]+)"', src))


def test_export_steps_writes_every_step_from_one_layout(dot, tmp_path):
    import viz
    from viz.frames import frames

    model, _, loss = mlp_sample([2, 1])
    paths = viz.export_steps(loss, tmp_path / "svg", params=model)
    s = Stepper(loss, params=model)
    assert len(paths) == s.total + 1 and paths[0].name == "step-00.svg"
    pictures = frames(s)
    pinned = [pins(p.source) for p in pictures]
    assert len(pinned[0]) > 10 and all(p == pinned[0] for p in pinned)  # nothing moves
    for k in (0, len(s.trace.forward), s.total):  # drawn where pinned, in any format
        svg = paths[k].read_text()
        boxes = [i for i in pinned[k] if not re.search(r"_(e\d+|o)$", i)]
        assert svg.count('class="node"') == len(boxes)
    assert "data ?" in paths[0].read_text() and "data ?" not in paths[-1].read_text()
    drawn = [  # where each box is drawn in each file: its id and its first outline
        re.findall(
            r'<g id="(v\d+(?:_in)?)" class="node">(?:(?!</g>).)*?points="([^"]+)"',
            p.read_text(),
            re.S,
        )  # fmt: skip
        for p in paths
    ]
    assert len(drawn[0]) > 10 and all(d == drawn[0] for d in drawn)
    pdf = viz.export_steps(loss, tmp_path / "pdf", format="pdf", params=model)
    data = pdf[0].read_bytes()
    assert pdf[0].name == "steps.pdf" and data.startswith(b"%PDF")
    assert re.search(rb"/Count (\d+)", data).group(1) == str(s.total + 1).encode()
    assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") >= s.total + 1
    png = viz.export_steps(loss, tmp_path / "png", format="png", params=model, dpi=50)
    assert png[3].read_bytes()[:4] == b"\x89PNG"


def test_export_steps_refuses_bad_arguments_and_too_many_frames(tmp_path, chain_of):
    import viz

    *_, out = classic()
    with pytest.raises(ValueError, match="format must be svg, png or pdf"):
        viz.export_steps(out, tmp_path, format="gif")
    with pytest.raises(TypeError, match="expected a Value"):
        viz.export_steps(3.0, tmp_path)
    with pytest.raises(ValueError, match="export_steps: .* pictures of .* boxes"):
        viz.export_steps(chain_of(400), tmp_path)  # 801 pictures of 401 boxes
    assert not list(tmp_path.iterdir())


def test_steps_are_stored_as_deltas_of_linear_size():
    x = Value(0.5, "x")
    out = x
    for _ in range(900):
        out = (out * 1.0001).tanh()
    t = trace(out)
    cells = sum(len(d) for d in t.deltas)
    assert len(t.steps) == 1800 and cells <= 2 * len(t.steps) + 1  # O(n), not O(n^2)
    assert t.grads[x] == pytest.approx(__import__("autograd").grad(out, [x])[0])


def test_a_wide_sum_is_traced_in_linear_time_and_refused_before_the_reverse_pass(monkeypatch):
    import autograd
    import viz.trace

    xs = [Value(float(i), f"x{i}") for i in range(20_000)]
    out = autograd.sum(xs)
    monkeypatch.setattr(viz.trace, "reverse", lambda *a, **k: pytest.fail("reverse pass run"))
    for call in (lambda: backprop_frames(out), lambda: Stepper(out), lambda: trace(out)):
        with pytest.raises(ValueError, match="20001 nodes"):
            call()
    monkeypatch.undo()
    t = trace(out, check=False)  # chain_terms writes each input's words once: linear
    assert len(t.flows[0]) == 20_000 and t.flows[0][-1].words == "1"


def test_stepping_touches_no_grad(tmp_path, dot):
    x, y, z, out = classic()
    nodes = graph_nodes(out)
    for i, n in enumerate(nodes):
        n.grad = 10.0 + i  # whatever the caller had
    before = [n.grad for n in nodes]
    backprop_frames(out)
    trace(out)
    stepper_html(out, tmp_path / "s.html")
    assert [n.grad for n in nodes] == before


def test_frames_of_a_leaf():
    frames = backprop_frames(Value(2.0, "x"))
    assert len(frames) == 1 and "data 2" in frames[0].source


def test_stepper_is_one_self_contained_page_with_one_picture(dot, tmp_path):
    *_, out = classic()
    path = stepper_html(out, tmp_path / "step.html")
    page = path.read_text(encoding="utf-8")
    assert page.count("<svg") == 1
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page)
    assert "https://" not in page and "@import" not in page and "url(" not in page
    for element in ("prev", "next", "play", "slider", "step-label", "explain", "picture",
                    "zoom-in", "zoom-out", "fit", "legend"):  # fmt: skip
        assert f'id="{element}"' in page
    data = page_data(page)
    # step 0, forward at q and out, backward at out and q: [box, phase, cells, ...]
    names = [b[0] for b in data["boxes"]]
    assert [(names[st[0]] if st[0] >= 0 else "", st[1]) for st in data["steps"]] == [
        ("", ""), ("q", "f"), ("out", "f"), ("out", "b"), ("q", "b"),
    ]  # fmt: skip
    assert chain_rule(data) == [
        "dq = dout * z = 1 * (-4) = -4",
        "dz = dout * q = 1 * 3 = 3",
        "dx = dq * 1 = -4 * 1 = -4",
        "dy = dq * 1 = -4 * 1 = -4",
    ]
    assert "not yet computed" in json.dumps(data["start"])
    assert "<title>(x + y) * z</title>" in page  # the title is the expression
    # the graph, as data the page could recompute: ops, inputs and the rows' browser rules
    graph = data["graph"]
    assert graph["op"][-1] == "mul" and graph["rows"]["mul"][0] == "{0} * {1}"


def test_forward_follows_reading_order(dot, tmp_path):
    a, b, c, d = (Value(v, n) for v, n in [(1.0, "a"), (2.0, "b"), (3.0, "c"), (4.0, "d")])
    out = a * b + c * d
    s = Stepper(out)
    assert [s.trace.names[n] for n in s.trace.forward] == ["q", "r", "out"]
    assert [n.data for n in s.trace.forward] == [2.0, 12.0, 14.0]
    assert s.title == "a * b + c * d"
    assert Stepper(out, title="my loss").title == "my loss"


def test_constants_get_no_box_and_no_gradient_line(dot, tmp_path):
    x = Value(3.0, "x")
    out = (x * 2.0) / Value(3.0)
    page = stepper_html(out, tmp_path / "s.html").read_text()
    text = json.dumps(page_data(page))
    assert "d(2)" not in text and "d(3)" not in text and "** -1" not in text
    full = stepper_html(out, tmp_path / "n.html", constants="nodes").read_text()
    assert "d(2)" in json.dumps(page_data(full))


def mlp_sample(sizes):
    random.seed(3)
    model = nn.MLP(2, sizes)
    x1, x2 = Value(0.5, "x1"), Value(-1.5, "x2")
    loss = (model([x1, x2]) - 1.0) ** 2
    return model, (x1, x2), loss


def test_params_page_names_every_parameter_and_lists_its_gradient(dot, tmp_path):
    model, inputs, loss = mlp_sample([4, 1])
    page = stepper_html(loss, tmp_path / "m.html", params=model).read_text()
    data = page_data(page)
    done = "\n".join(b[1] for b in data["done"])
    loss.backward()
    for long, p in model.named_parameters():
        short = re.sub(r"layers\.(\d+)\.neurons\.(\d+)\.(w)?\.?(\d*)", r"L\1.N\2.\3\4", long)
        short = short.replace(".b", ".b") if short.endswith("b") else short
        assert f"d{short} = {fmt(p.grad)}" in done, short
    for x in inputs:
        assert f"d{x.label} = {fmt(x.grad)}" in done
    assert "dw" not in page.replace("dL", "")  # no automatic name looks like a weight
    assert "#fdd49e" in page  # parameters have their colour
    # every node is named by its place: a neuron's sum and output; the sum with its terms
    names = {b[0]: b for b in data["boxes"]}
    assert names["L0.N0.sum"][2] == "L0.N0.b + L0.N0.w0*x1 + L0.N0.w1*x2"
    assert names["L0.N0"][2] == "relu(L0.N0.sum)" and names["L1.N0"][2].startswith("L1.N0.b +")
    assert not any(re.fullmatch(r"[qrstuvphkm]|n\d+", n) for n in names if n != "q")


def test_a_big_mlp_opens_collapsed_and_says_so(dot, tmp_path):
    model, _, loss = mlp_sample([16, 16, 1])
    s = Stepper(loss, params=model)
    assert s.collapsed and "collapsed" in s.note
    page = s.html()
    data = page_data(page)
    assert [v["key"] for v in data["views"]] == ["full", "neurons", "layers"]
    assert data["view"] == 1  # opens on the neurons
    assert page.count("<svg") == 3 and len(page) < 2_000_000
    neurons, layers = data["views"][1]["boxes"], data["views"][2]["boxes"]
    assert sorted(neurons.values()) == sorted(f"L{i}.N{j}" for i in (0, 1) for j in range(16)) + [
        "L2.N0"
    ]
    assert sorted(layers.values()) == ["L0", "L1", "L2"]
    # every node has a box in every picture: its own, or its group's
    assert all(len(v["owner"]) == len(s.trace.shown) for v in data["views"][1:])


def positions(picture) -> dict[str, tuple[float, float]]:
    """Where dot puts each node (x, y; y grows upwards)."""
    plain = picture.pipe(format="plain", encoding="utf-8", quiet=True)
    return {
        p[1]: (float(p[2]), float(p[3]))
        for p in (line.split() for line in plain.splitlines())
        if p[0] == "node"
    }


def test_a_neurons_parameters_are_one_table_w0_w1_b_and_neurons_in_order(dot):
    from viz.draw import digraph

    model, _, loss = mlp_sample([3, 1])
    t = Stepper(loss, params=model).trace
    picture = digraph(loss, rankdir="LR", grads=None, show_grad=True, highlight=(),
                       names=t.names, clusters=True)  # fmt: skip
    src = picture.source
    ident = {t.names[n]: f"v{i}" for i, n in enumerate(t.shown)}
    tables = {}
    for line in src.splitlines():
        m = re.match(r"\s*(v\d+_in) \[label=<(.*)> tooltip=param", line)
        if m:
            tables[m.group(1)] = re.findall(r"<td>(L\d\.N\d\.\w+)</td>", m.group(2))
    first = sorted(tables.values())
    assert [f"L0.N{j}.{p}" for j in range(3) for p in ("w0", "w1", "b")] == [
        name for rows in first[:3] for name in rows
    ]  # each neuron's parameters in one table, w0, w1, b top to bottom
    assert first[3] == [f"L1.N0.w{k}" for k in range(3)] + ["L1.N0.b"]
    assert not any(f"{ident[f'L0.N0.{p}']} [" in src for p in ("w0", "b"))  # no own boxes
    at = positions(picture)
    tops = sorted(tables, key=lambda k: -at[k][1])[:4]
    assert [tables[k][0] for k in tops if tables[k][0].startswith("L0")] == [
        "L0.N0.w0",
        "L0.N1.w0",
        "L0.N2.w0",
    ]  # neurons N0, N1, N2 top to bottom


def test_a_collapsed_picture_has_one_box_per_neuron_in_order(dot):
    from viz.collapsed import collapsed_digraph
    from viz.steps import texts_at_start as _texts_at_start
    from viz.steps import widths as _widths

    model, _, loss = mlp_sample([3, 2, 1])
    t = Stepper(loss, params=model).trace
    c = collapsed_digraph(t.names, 2, "c2", _texts_at_start(t), _widths(t))
    src = c.picture.source
    assert "L0.N0.w0" not in src  # parameters are inside the boxes
    at = positions(c.picture)
    column = {g: at[b] for b, g in c.boxes.items()}
    for layer, count in (("L0", 3), ("L1", 2)):
        ys = [column[f"{layer}.N{j}"] for j in range(count)]
        assert len({x for x, _ in ys}) == 1  # one column per layer ...
        assert [y for _, y in ys] == sorted((y for _, y in ys), reverse=True)  # N0 on top
    # each neuron of layer 0 feeds each of layer 1: 3 * 2 edges, then 2 into L2.N0
    between = [e for e in re.findall(r"(c2g\d+)(?::o\d+:e)? -> (c2g\d+)", src)]
    assert len(between) == 3 * 2 + 2
    layers = collapsed_digraph(t.names, 1, "c1", _texts_at_start(t), _widths(t))
    tables = {
        m.group(1): re.findall(r">L\d\.(N\d)<", m.group(2))
        for m in re.finditer(r"<b>(L\d)</b>(.*)", layers.picture.source)
    }
    assert tables == {"L0": ["N0", "N1", "N2"], "L1": ["N0", "N1"]}  # a row per neuron, in order


def test_size_guard_refuses_clearly(tmp_path, chain_of):
    out = chain_of(10_000)
    with pytest.raises(ValueError, match="stepper: the graph has 10001 nodes"):
        stepper_html(out, tmp_path / "s.html")
    with pytest.raises(ValueError, match="backprop_frames"):
        backprop_frames(out)


def test_a_1000_node_chain_pages_fine(dot, tmp_path):
    x = Value(0.5, "x")
    out = x
    for _ in range(1000):
        out = out * 1.0001
    page = stepper_html(out, tmp_path / "s.html").read_text()
    assert len(page_data(page)["steps"]) == 2001


def test_bad_arguments_are_one_line_type_errors(tmp_path):
    for call in (lambda: stepper_html(3.0, tmp_path / "s.html"), lambda: Stepper("x"),
                 lambda: backprop_frames(None)):  # fmt: skip
        with pytest.raises(TypeError, match="expected a Value"):
            call()
    with pytest.raises(TypeError, match="params"):
        Stepper(Value(1.0, "x") * 2, params=5)


@pytest.mark.parametrize("label", ["a\0b", "y" * 20_000, "\ud800", "</script><b>"])
def test_hostile_labels_make_a_page(dot, tmp_path, label):
    out = Value(2.0, label) * Value(3.0, "k")
    page = stepper_html(out, tmp_path / "s.html").read_text(encoding="utf-8")
    assert len(page) < 100_000 and "</script><b>" not in page


def test_stepper_text_matches_the_engine_steps(dot, tmp_path):
    a, b = Value(0.5, "a"), Value(-1.5, "b")
    out = (a * b + a).tanh()
    data = page_data(stepper_html(out, tmp_path / "s.html").read_text())
    names, seen = Names(out), {}
    lines = [line for step in backward_steps(out) for line in chain_lines(step, names, seen)]
    assert chain_rule(data) == lines


def test_stepper_without_dot_keeps_the_text_and_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "")
    *_, out = classic()
    with pytest.warns(MissingDotWarning, match="install graphviz"):
        path = stepper_html(out, tmp_path / "s.html")
    page = path.read_text()
    assert 'id="no-pictures"' in page and "apt-get install graphviz" in page
    assert "<svg" not in page and "dq = dout * z = 1 * (-4) = -4" in chain_rule(page_data(page))


def test_jupyter_display_is_self_contained(dot, tmp_path):
    *_, out = classic()
    s = Stepper(out)
    shown = s._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and "&lt;svg" in shown
    assert s.save(tmp_path / "p.html").read_text() == s.html()
    with pytest.raises(ValueError, match="empty"):
        s.save("")


def test_title_of_a_graph_built_in_python_says_what_it_is(dot):
    model, _, loss = mlp_sample([4, 1])
    assert Stepper(loss, params=model).title == f"loss of {model!r}"
    assert Stepper(loss).title.startswith("out = ")  # no model, no label: the last op
    loss.label = "mse"
    assert Stepper(loss).title == "mse"
    assert Stepper(loss, params=model).title == f"mse of {model!r}"
    assert Stepper(loss, params=model, title="mine").title == "mine"
    *_, out = classic()
    assert Stepper(out, params={"z": out.parents[1]}).title == "(x + y) * z"  # short: itself
