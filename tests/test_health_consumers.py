"""A service whose subscribers stopped consuming is not ready, even with its connection up
(servicekit.health.consuming), on the real RabbitMQ."""

from __future__ import annotations

from faststream.rabbit import RabbitBroker

from servicekit import health
from servicekit.consuming import raw_message
from tests.support import unique


async def test_readiness_names_the_queue_whose_consumer_is_gone(broker: RabbitBroker) -> None:
    queue = unique("health-consumers")

    @broker.subscriber(queue, decoder=raw_message)
    async def handle(message: object) -> None:
        return None

    checks = {"broker": health.broker_connected(broker), "consumers": health.consuming(broker)}
    code, body = await health.readiness(checks)
    assert code == 503, "a broker that has not started consuming is not ready"

    await broker.start()
    code, body = await health.readiness(checks)
    assert (code, body["failing"]) == (200, [])

    subscriber = broker.subscribers[0]
    await subscriber.stop()
    code, body = await health.readiness(checks)
    assert code == 503
    assert body["failing"] == ["consumers"]
    assert body["checks"]["consumers"] == f"not consuming from {queue}"
