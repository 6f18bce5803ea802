"""Grad mode is per thread and per asyncio task; a stale graph is refused, not mixed."""

from __future__ import annotations

import asyncio
import threading

import pytest

import autograd
from autograd import Value, grad, no_grad


def test_no_grad_in_one_thread_does_not_leak_into_another():
    inside = threading.Event()
    done = threading.Event()
    results = {}

    def holder():
        with no_grad():
            inside.set()
            done.wait(5)

    def worker():
        inside.wait(5)
        x = Value(2.0)
        (x * x).backward()
        results["grad"] = x.grad
        results["enabled"] = autograd.is_grad_enabled()
        done.set()

    threads = [threading.Thread(target=holder), threading.Thread(target=worker)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == {"grad": 4.0, "enabled": True}


def test_no_grad_in_one_task_does_not_leak_into_another():
    async def quiet(started, release):
        with no_grad():
            started.set()
            await release.wait()
            return autograd.is_grad_enabled()

    async def busy(started, release):
        await started.wait()
        x = Value(3.0)
        y = x * x
        release.set()
        return y.parents == (x, x)

    async def main():
        started, release = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(quiet(started, release), busy(started, release))

    assert asyncio.run(main()) == [False, True]


def test_enable_grad_inside_no_grad_records_again():
    x = Value(2.0)
    with no_grad():
        with autograd.enable_grad():
            y = x * x
        z = x * x
    assert y.parents == (x, x) and z.parents == ()


def test_changing_a_leaf_after_building_is_refused_by_create_graph():
    x = Value(2.0)
    y = x * x * x
    x.data = 5.0  # the graph still holds 8 and the partials of x = 2
    with pytest.raises(RuntimeError, match="changed after the graph was built"):
        grad(y, [x], create_graph=True)
    x2 = Value(5.0)
    (d,) = grad(x2 * x2 * x2, [x2], create_graph=True)
    assert d.data == 75.0


def test_second_derivative_that_does_not_exist_names_the_users_op():
    x = Value(0.0)
    (d,) = grad(x**1.5, [x])
    assert d == 0.0  # the first derivative is finite
    with pytest.raises(ValueError, match=r"^pow\(0\.0, 1\.5\): its derivative cannot be"):
        grad(x**1.5, [x], create_graph=True)


def test_a_leaf_moved_outside_the_domain_is_reported_as_stale():
    x = Value(2.0)
    y = x.log() * x
    x.data = -1.0
    with pytest.raises(RuntimeError, match="changed after the graph was built"):
        grad(y, [x], create_graph=True)
