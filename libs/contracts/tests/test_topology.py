"""Operators list and replay the queues named in ``EVERY_CONSUMER_QUEUE``: a consumer queue
left out of it would have a DLQ nobody sees."""

from __future__ import annotations

from contracts import topology


def test_every_consumer_queue_is_listed_once() -> None:
    declared = [v for v in vars(topology).values() if isinstance(v, topology.ConsumerQueue)]
    assert sorted(q.name for q in topology.EVERY_CONSUMER_QUEUE) == sorted(q.name for q in declared)
    assert len(set(topology.EVERY_CONSUMER_QUEUE)) == len(topology.EVERY_CONSUMER_QUEUE)


def test_every_request_queue_is_listed() -> None:
    declared = {v for k, v in vars(topology).items() if k.endswith("_RPC")}
    assert set(topology.RPC_QUEUES) == declared
