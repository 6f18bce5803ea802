"""Five optimizers on the study notes' linear regression: SGD, momentum, AdaGrad, RMSProp, Adam.

Six points x = (x1, x2, 1) (the constant last feature carries the bias) with targets
y = [6, 8, 9, 8, 10, 13], fitted by y ~ theta . x under the notes' loss
L = 1/(2m) * sum((theta . x - y)^2), starting from theta = 0. The data fit exactly
y = 1*x1 + 2*x2 + 3, so the loss can reach 0 and theta (1, 2, 3). Each optimizer gets the
same budget of full-batch steps with a learning rate that suits it; the loss curves show how
differently they get there (plain SGD crawls along the narrow direction of the valley, the
eigenvalues of the problem differ by a factor of about 120).

Run:  python examples/optimizers.py [--steps N] [--no-plot] [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
from plotting import pyplot, save, subplots  # examples/plotting.py

import autograd
import nn
from autograd import Value

OUT = Path(__file__).resolve().parent / "out"
X = [(1, 1, 1), (1, 2, 1), (2, 2, 1), (3, 1, 1), (1, 3, 1), (2, 4, 1)]
Y = [6, 8, 9, 8, 10, 13]

# name -> how to build the optimizer for the parameters ps
OPTIMIZERS: dict[str, Any] = {
    "SGD (lr 0.1)": lambda ps: nn.SGD(ps, lr=0.1),
    "momentum (lr 0.1, 0.9)": lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9),
    "AdaGrad (lr 1.0)": lambda ps: nn.AdaGrad(ps, lr=1.0),
    "RMSProp (lr 0.1)": lambda ps: nn.RMSProp(ps, lr=0.1),
    "Adam (lr 0.3)": lambda ps: nn.Adam(ps, lr=0.3),
}


def loss_of(theta: list[Value]) -> Value:
    """L = 1/(2m) sum((theta . x - y)^2): half the mean squared error, as in the notes."""
    preds = [autograd.sum([t * xi for t, xi in zip(theta, x)]) for x in X]
    return 0.5 * nn.mse_loss(preds, Y)


def fit(make_optimizer: Any, steps: int) -> tuple[list[float], list[float]]:
    """Full-batch training from theta = 0; returns (loss before each step + final loss, theta)."""
    theta = [Value(0.0, f"theta{i}") for i in range(3)]
    optimizer = make_optimizer(theta)
    history = []
    for _ in range(steps):
        loss = loss_of(theta)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.data)
    history.append(loss_of(theta).data)
    return history, [t.data for t in theta]


def main(steps: int = 200, plot: bool = True, out: str | Path = OUT) -> dict[str, Any]:
    """Train with every optimizer for ``steps`` steps; print final losses and theta."""
    # The exact answer, for reference: the least-squares solution of X theta = Y.
    exact = np.linalg.lstsq(np.array(X, float), np.array(Y, float), rcond=None)[0]
    print("least squares: theta = (" + ", ".join(f"{t:.4f}" for t in exact) + ")")
    figures: dict[str, Any] = {"exact": [float(t) for t in exact], "runs": {}}
    print(f"{'optimizer':<24} {f'loss after {steps} steps':>22}   theta")
    for name, make in OPTIMIZERS.items():
        history, theta = fit(make, steps)
        figures["runs"][name] = {"history": history, "loss": history[-1], "theta": theta}
        shown = ", ".join(f"{t:.4f}" for t in theta)
        print(f"{name:<24} {history[-1]:>22.3e}   ({shown})")
    figures["plot"] = _plot(figures["runs"], Path(out)) if plot else None
    return figures


def _plot(runs: dict[str, Any], out: Path) -> str | None:
    """Loss per step for each optimizer, on a log scale."""
    plt = pyplot()
    if plt is None:
        return None
    fig, ax = subplots(plt, figsize=(7, 4.5))
    for name, run in runs.items():
        ax.semilogy(run["history"], label=name)
    ax.set_xlabel("step")
    ax.set_ylabel("loss  1/(2m) Σ (θ·x - y)²")
    ax.legend(loc="lower left")  # below the early curves, left of momentum's late dive
    ax.set_title("Linear regression on six points")
    return save(fig, plt, out / "optimizers.png")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="steps per optimizer (default 200)")
    parser.add_argument("--no-plot", dest="plot", action="store_false", help="skip the plot")
    parser.add_argument("--out", default=OUT, help="folder for the plot (default examples/out)")
    main(**vars(parser.parse_args()))
