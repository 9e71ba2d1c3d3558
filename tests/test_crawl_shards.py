"""A large crawl is split by host over one process per core: whole sites per process, sizes balanced."""

from __future__ import annotations

from policydiff.config import Policy
from crawler.run import shard_by_host


def policy(n: int, host: str) -> Policy:
    return Policy(id=f"p{n}", name=f"p{n}", url=f"http://{host}/privacy/{n}")


def test_every_host_in_one_shard_and_sizes_balanced():
    policies = [policy(n, f"127.0.0.{n % 5 + 1}") for n in range(50)] + [policy(100 + n, "big.example") for n in range(30)]
    shards = shard_by_host(policies, 2)
    assert len(shards) == 2 and sorted(p.id for s in shards for p in s) == sorted(p.id for p in policies)
    hosts = [{p.url.split("/")[2] for p in shard} for shard in shards]
    assert not hosts[0] & hosts[1]  # politeness per site holds: a site is never crawled from two processes
    assert abs(len(shards[0]) - len(shards[1])) <= 10


def test_one_host_or_one_core_is_one_shard():
    same_host = [policy(n, "shop.example") for n in range(10)]
    assert shard_by_host(same_host, 2) == [same_host]
    assert shard_by_host([policy(1, "a.example"), policy(2, "b.example")], 1) == [[policy(1, "a.example"), policy(2, "b.example")]]
