"""The learning slowdown of a sigmoid neuron, and how the cross-entropy cost avoids it.

One neuron a = sigmoid(w * x + b) learns to output y = 0 for the input x = 1 (lr 0.15,
300 epochs). With the quadratic cost C = (a - y)^2 / 2 the gradient is
dC/dw = (a - y) * sigmoid'(z) * x: when the neuron starts badly wrong (w = b = 2, so a is
near 1) sigmoid'(z) is tiny and learning crawls at first. With the cross-entropy cost
C = -(y ln a + (1 - y) ln(1 - a)) the sigmoid' factor cancels, dC/dw = (a - y) * x, and the
neuron learns fastest exactly when it is most wrong. Starting from (w, b) = (0.6, 0.9) both
costs learn well. The engine computes every gradient: we only write the costs.

Run:  python examples/learning_slowdown.py [--epochs N] [--no-plot] [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from plotting import pyplot, save, subplots  # examples/plotting.py

from autograd import Value

OUT = Path(__file__).resolve().parent / "out"
X, Y, LR = 1.0, 0.0, 0.15
STARTS = {"good start (0.6, 0.9)": (0.6, 0.9), "bad start (2.0, 2.0)": (2.0, 2.0)}


def quadratic(a: Value, y: float) -> Value:
    """C = (a - y)^2 / 2."""
    return (a - y) ** 2 / 2


def cross_entropy(a: Value, y: float) -> Value:
    """C = -(y ln a + (1 - y) ln(1 - a))."""
    return -(y * a.log() + (1 - y) * (1 - a).log())


COSTS = {"quadratic": quadratic, "cross-entropy": cross_entropy}


def train(w: float, b: float, cost: Any, epochs: int) -> tuple[list[float], float, float]:
    """Gradient descent on one neuron; returns (cost per epoch, final output, first dC/dw)."""
    wv, bv = Value(w, "w"), Value(b, "b")
    history = []
    first_dw = 0.0
    for epoch in range(epochs):
        a = (wv * X + bv).sigmoid()
        c = cost(a, Y)
        wv.grad = bv.grad = 0.0
        c.backward()
        if epoch == 0:
            first_dw = wv.grad
        history.append(c.data)
        wv.data -= LR * wv.grad  # the update touches .data only: no graph is recorded
        bv.data -= LR * bv.grad
    output = (wv * X + bv).sigmoid().data
    return history, output, first_dw


def main(epochs: int = 300, plot: bool = True, out: str | Path = OUT) -> dict[str, Any]:
    """Train the four runs and print each one's first gradient and output after ``epochs``."""
    figures: dict[str, Any] = {}
    print(f"one sigmoid neuron, x = {X:g}, target y = {Y:g}, lr = {LR:g}, {epochs} epochs")
    print(f"{'cost':<14} {'start':<22} {'dC/dw at start':>15} {'output at end':>14}")
    for cost_name, cost in COSTS.items():
        for start_name, (w, b) in STARTS.items():
            history, output, dw = train(w, b, cost, epochs)
            figures[(cost_name, (w, b))] = {"history": history, "output": output, "dw": dw}
            print(f"{cost_name:<14} {start_name:<22} {dw:>15.4f} {output:>14.4f}")
    figures["plot"] = _plot_costs(figures, Path(out)) if plot else None
    return figures


def _plot_costs(figures: dict[str, Any], out: Path) -> str | None:
    """One panel per cost, each on its own y axis (the two costs have different scales), with
    a curve per start: the bad start's plateau shows under the quadratic cost only."""
    plt = pyplot()
    if plt is None:
        return None
    fig, axes = subplots(plt, 1, 2, figsize=(10, 3.8))
    for ax, cost_name in zip(axes, COSTS):
        top = 0.0
        for (start_name, start), color in zip(STARTS.items(), ("tab:green", "tab:red")):
            history = figures[(cost_name, start)]["history"]
            ax.plot(history, color=color, label=start_name)
            top = max(top, *history)
        ax.set_title(f"{cost_name} cost")
        ax.set_xlabel("epoch")
        ax.set_ylabel(f"{cost_name} cost")
        ax.set_ylim(0, 1.4 * top)  # room above every curve for the legend
        ax.legend(loc="upper right")
    fig.suptitle("A badly wrong sigmoid neuron learns slowly with the quadratic cost")
    return save(fig, plt, out / "learning_slowdown.png")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=300, help="epochs per run (default 300)")
    parser.add_argument("--no-plot", dest="plot", action="store_false", help="skip the plot")
    parser.add_argument("--out", default=OUT, help="folder for the plot (default examples/out)")
    main(**vars(parser.parse_args()))
