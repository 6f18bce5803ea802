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


# -- no_grad() as a decorator and as a reusable object ---------------------------------------------


def recorded(y: Value) -> bool:
    return y.parents != ()


def test_no_grad_decorates_a_function():
    @no_grad()
    def square(x):
        return x * x, autograd.is_grad_enabled()

    x = Value(3.0)
    y, enabled = square(x)
    assert not recorded(y) and enabled is False
    assert recorded(x * x) and autograd.is_grad_enabled()
    assert square.__name__ == "square"


def test_no_grad_on_a_generator_holds_while_its_body_runs_only():
    x = Value(2.0)
    outside = []

    @no_grad()
    def powers():
        y = x
        while True:
            y = y * x
            received = yield y, autograd.is_grad_enabled()
            if received == "stop":
                return "done"

    gen = powers()
    y, enabled = next(gen)
    assert not recorded(y) and enabled is False
    outside.append(x * x)  # the caller, between two resumptions, records as usual
    y, enabled = gen.send(None)
    assert not recorded(y) and enabled is False and recorded(outside[0])
    with pytest.raises(StopIteration) as stop:
        gen.send("stop")
    assert stop.value.value == "done"
    assert autograd.is_grad_enabled()


def test_no_grad_generator_sees_throw_and_close_under_the_mode():
    seen = []

    @no_grad()
    def body():
        try:
            yield 1
        except KeyError:
            seen.append(("throw", autograd.is_grad_enabled()))
            yield 2
        finally:
            seen.append(("finally", autograd.is_grad_enabled()))

    gen = body()
    assert next(gen) == 1
    assert gen.throw(KeyError("k")) == 2
    gen.close()
    assert seen == [("throw", False), ("finally", False)]
    assert list(body()) == [1] and autograd.is_grad_enabled()


def test_no_grad_on_an_async_function_holds_in_its_task_only():
    @no_grad()
    async def quiet(started, release):
        started.set()
        await release.wait()
        x = Value(2.0)
        return recorded(x * x)

    async def busy(started, release):
        await started.wait()
        x = Value(3.0)
        y = x * x
        release.set()
        return recorded(y)

    async def main():
        started, release = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(quiet(started, release), busy(started, release))

    assert asyncio.run(main()) == [False, True]


def test_no_grad_on_an_async_generator_holds_while_its_body_runs_only():
    x = Value(2.0)

    @no_grad()
    async def squares():
        for _ in range(2):
            await asyncio.sleep(0)
            yield recorded(x * x), autograd.is_grad_enabled()

    async def main():
        out = []
        async for inside in squares():
            out.append((inside, recorded(x * x)))
        return out

    assert asyncio.run(main()) == [((False, False), True)] * 2


def test_one_no_grad_object_can_be_entered_again_after_and_inside_itself():
    quiet = no_grad()
    x = Value(2.0)
    for _ in range(2):  # sequentially
        with quiet:
            assert not recorded(x * x)
        assert recorded(x * x)
    with quiet:  # nested
        with quiet:
            assert not recorded(x * x)
        assert not recorded(x * x)  # still inside the outer block
    assert recorded(x * x) and autograd.is_grad_enabled()
    loud = autograd.enable_grad()
    with quiet:
        with loud:
            with quiet:
                assert not autograd.is_grad_enabled()
            assert autograd.is_grad_enabled()
        assert not autograd.is_grad_enabled()


def test_an_async_generator_under_no_grad_may_resume_in_another_task():
    async def numbers():
        with no_grad():
            yield autograd.is_grad_enabled()
            yield autograd.is_grad_enabled()

    async def main():
        agen = numbers()
        first = await asyncio.create_task(agen.__anext__())
        await asyncio.create_task(agen.__anext__())  # each task has its own mode: no check
        with pytest.raises(StopAsyncIteration):  # the block ends in a third task
            await asyncio.create_task(agen.__anext__())
        return first

    assert asyncio.run(main()) is False
    assert autograd.is_grad_enabled()


def test_a_decorated_async_generator_keeps_its_mode_in_every_task_that_resumes_it():
    @no_grad()
    async def numbers():
        for _ in range(3):
            yield autograd.is_grad_enabled()

    async def main():
        agen = numbers()
        return [await asyncio.create_task(agen.__anext__()) for _ in range(3)]

    assert asyncio.run(main()) == [False, False, False]
