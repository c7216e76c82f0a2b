"""Who gets the next translation worker (gateway.service.fairness): one partner's big files
never take every worker, its short files may while nobody else waits, and a backlog of one
partner's files never stands in front of another partner's file."""

from __future__ import annotations

import asyncio

from gateway.service.fairness import FairShare

BIG, SHORT = 10_000_000, 2_000


class _Files:
    """Translations that hold their worker until released; `running` in order of start."""

    def __init__(self, share: FairShare) -> None:
        self.share = share
        self.running: list[str] = []
        self.release: dict[str, asyncio.Event] = {}
        self.tasks: list[asyncio.Task[None]] = []

    def submit(self, name: str, partner: str, size: int) -> None:
        self.release[name] = asyncio.Event()

        async def translate() -> None:
            async with self.share.slot(partner, size):
                self.running.append(name)
                await self.release[name].wait()

        self.tasks.append(asyncio.create_task(translate()))

    async def settle(self) -> None:
        for _ in range(20):  # let every task that can move do so
            await asyncio.sleep(0)

    async def finish(self, name: str) -> None:
        self.release[name].set()
        await self.settle()


def test_big_files_of_one_partner_leave_a_worker_for_the_others() -> None:
    async def scenario() -> None:
        files = _Files(FairShare(3))
        for n in range(4):
            files.submit(f"a-big-{n}", "a", BIG)
        await files.settle()
        assert files.running == ["a-big-0", "a-big-1"]  # size - 1 of them
        files.submit("b-big", "b", BIG)
        await files.settle()
        assert files.running[-1] == "b-big"
        files.submit("a-short", "a", SHORT)  # a's short file is not stuck behind its big ones
        files.submit("b-short", "b", SHORT)
        await files.settle()
        assert len(files.running) == 3
        await files.finish("a-big-0")
        assert files.running[3] == "a-short"  # first come, first served
        await files.finish("a-short")
        assert files.running[4] == "b-short"
        for name in list(files.release):
            await files.finish(name)
        await asyncio.gather(*files.tasks)
        assert sorted(files.running) == sorted(files.release)

    asyncio.run(scenario())


def test_short_files_use_every_worker_while_nobody_else_waits() -> None:
    async def scenario() -> None:
        files = _Files(FairShare(2))
        for n in range(5):
            files.submit(f"a-{n}", "a", SHORT)
        await files.settle()
        assert files.running == ["a-0", "a-1"]
        for n in range(5):
            await files.finish(f"a-{n}")
        await asyncio.gather(*files.tasks)
        assert files.running == [f"a-{n}" for n in range(5)]

    asyncio.run(scenario())


def test_a_backlog_does_not_stand_in_front_of_another_partner() -> None:
    """Partner a queued 50 short files; b's file is the next to get a worker."""

    async def scenario() -> None:
        files = _Files(FairShare(2))
        for n in range(50):
            files.submit(f"a-{n}", "a", SHORT)
        await files.settle()
        files.submit("b", "b", SHORT)
        await files.settle()
        assert files.running == ["a-0", "a-1"]
        await files.finish("a-0")
        assert files.running == ["a-0", "a-1", "b"]
        for name in list(files.release):
            await files.finish(name)
        await asyncio.gather(*files.tasks)

    asyncio.run(scenario())
