"""What holds between this engine and micrograd 0.1.0 on micrograd's moons demo.

    PYTHONPATH=. python tests/perf/parity_micrograd.py [--steps 100] [--runs 3]

Trains micrograd's demo (2-16-16-1, hinge loss + 1e-4 L2, SGD with lr 1.0 - 0.9 k / 100)
with both engines from the same seed in one process and prints the largest relative gap
between their losses over the steps, and each one's final loss and accuracy. Then it repeats
the run in fresh processes: ours gives the same bits every time; micrograd's last bits vary,
since its backward walks ``_prev``, a set ordered by object address. Needs the ``bench``
extra (micrograd). micrograd takes about a second a step.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import nn  # noqa: E402
from autograd import Value  # noqa: E402


def demo(engine: str, steps: int) -> tuple[list[float], float]:
    """micrograd's notebook loop with ``engine``'s Value and MLP: (loss per step, accuracy)."""
    if engine == "micrograd":
        from micrograd.engine import Value as V
        from micrograd.nn import MLP
    else:
        V, MLP = Value, nn.MLP
    X, y = nn.data.make_moons(100, noise=0.1, seed=1, labels="pm1")
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    losses = []
    for k in range(steps):
        scores = [model([V(a) for a in row]) for row in X]
        data_loss = sum((1 + -yi * si).relu() for yi, si in zip(y, scores)) * (1.0 / len(X))
        loss = data_loss + 1e-4 * sum(p * p for p in model.parameters())
        losses.append(loss.data)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
    scores = [model([V(a) for a in row]).data for row in X]
    accuracy = sum((s > 0) == (t > 0) for s, t in zip(scores, y)) / len(y)
    return losses, accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per engine")
    parser.add_argument("--one", choices=["ours", "micrograd"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # a child: print one run's losses
        print(json.dumps(demo(args.one, args.steps)))
        return
    ours, ours_acc = demo("ours", args.steps)
    theirs, theirs_acc = demo("micrograd", args.steps)
    gap = max(abs(a - b) / abs(b) for a, b in zip(ours, theirs))
    print(f"moons demo, {args.steps} steps, one process:")
    print(f"  largest relative gap between the two losses over the steps: {gap:.2g}")
    print(f"  final loss: ours {ours[-1]!r}, micrograd {theirs[-1]!r}")
    print(f"  accuracy after the last step: ours {ours_acc:.0%}, micrograd {theirs_acc:.0%}")
    print(f"final loss in {args.runs} fresh processes:")
    for engine in ("ours", "micrograd"):
        finals = []
        for _ in range(args.runs):
            done = subprocess.run(
                [sys.executable, __file__, "--one", engine, "--steps", str(args.steps)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            finals.append(json.loads(done.stdout)[0][-1])
        print(f"  {engine:<9} {' '.join(repr(f) for f in finals)}  ({len(set(finals))} distinct)")


if __name__ == "__main__":
    main()
