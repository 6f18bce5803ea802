"""micrograd's moons demo with this library's nn: a 2-16-16-1 MLP reaches 100% accuracy.

The set-up is micrograd's demo notebook: 100 points of two interleaving half moons (noise
0.1) with labels -1/+1, an MLP with two hidden layers of 16 ReLU neurons and one linear
output, the SVM max-margin ("hinge") loss plus 1e-4 * sum(p^2) (L2 regularisation), and 100
steps of full-batch gradient descent (one step per epoch) with the learning rate decaying
from 1.0 to 0.1 (lr = 1.0 - 0.9 * k / steps at step k, k from 0: the notebook's schedule for
its 100 steps, stretched to any other count). The moons here come from
``nn.data.make_moons`` with its own seeded noise, so the points (and the losses) differ a
little from the notebook's. ``nn.fit`` reports loss and accuracy as it trains (a progress
bar, or ten lines in a log); the script then prints the accuracy after the last step.

Run:  python examples/moons.py [--steps N] [--no-plot] [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from plotting import pyplot, save, subplots  # examples/plotting.py

import nn

OUT = Path(__file__).resolve().parent / "out"
SEED = 1337  # the seed of micrograd's notebook


def main(
    steps: int = 100, plot: bool = True, out: str | Path = OUT, progress: bool = True
) -> dict[str, Any]:
    """Train micrograd's moons model for ``steps`` steps; print loss and accuracy."""
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    X, y = nn.data.make_moons(100, noise=0.1, seed=SEED, labels="pm1")  # labels -1 and +1
    model = nn.MLP(2, [16, 16, 1], seed=SEED)
    print(model)
    history = nn.fit(
        model,
        X,
        y,
        loss=nn.hinge_loss,  # mean(relu(1 - y * score))
        optimizer=nn.SGD(model.parameters(), lr=1.0),
        epochs=steps,  # full batch: one epoch is one step
        l2=1e-4,  # adds 1e-4 * sum(p * p) to the loss
        lr_schedule=lambda k: 1.0 - 0.9 * k / steps,  # micrograd's decay, 1.0 down to 0.1
        progress=progress,  # loss and accuracy per epoch, as every nn.fit reports them
    )
    final = nn.accuracy(model.predict(X), y)  # after the last update
    # fit's lines give each epoch's accuracy before its step; this one is after the last step.
    print(f"after {steps} steps (one per epoch): accuracy={final:.3g}")
    figures: dict[str, Any] = {"loss": history.loss, "accuracy": final}
    figures["plot"] = _plot_boundary(model, X, y, Path(out)) if plot else None
    return figures


def _plot_boundary(model: nn.MLP, X: list[list[float]], y: list[int], out: Path) -> str | None:
    """The model's score on a fine grid, coloured by its sign, with the boundary score = 0."""
    plt = pyplot()
    if plt is None:
        return None
    # The score itself (not its sign) is contoured, so the boundary is interpolated between
    # grid points: 100 x 64 points (about a second of predict) draw it smooth.
    nx, ny = 100, 64
    xs = [-1.5 + 4.0 * i / (nx - 1) for i in range(nx)]
    ys = [-1.0 + 2.5 * j / (ny - 1) for j in range(ny)]
    scores = model.predict([[a, b] for b in ys for a in xs])
    z = [scores[j * nx : (j + 1) * nx] for j in range(ny)]
    far = max(abs(s) for s in scores) + 1.0
    fig, ax = subplots(plt, figsize=(6, 4.5))
    ax.contourf(xs, ys, z, levels=[-far, 0.0, far], colors=["#f4c7c3", "#c6dbef"])
    ax.contour(xs, ys, z, levels=[0.0], colors="0.35", linewidths=1.0)
    for label, color in ((-1, "#d62728"), (1, "#1f77b4")):
        points = [p for p, t in zip(X, y) if t == label]
        ax.scatter(
            [p[0] for p in points],
            [p[1] for p in points],
            c=color,
            s=18,
            edgecolors="k",
            lw=0.4,
            label=f"label {label:+d}",
        )
    ax.set_xlabel("x[0] (first input)")
    ax.set_ylabel("x[1] (second input)")
    ax.legend(loc="upper right")  # no points and no boundary in that corner
    ax.set_title("Moons: decision boundary (score = 0) of the 2-16-16-1 MLP")
    return save(fig, plt, out / "moons.png")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
    parser.add_argument("--no-plot", dest="plot", action="store_false", help="skip the plot")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no bar")
    parser.add_argument("--out", default=OUT, help="folder for the plot (default examples/out)")
    main(**vars(parser.parse_args()))
