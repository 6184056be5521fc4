"""Broker connection for the Celery app, with a fix that keeps workers consuming across a Redis restart.

kombu 5.7's `Connection.collect()` (virtual transports such as Redis, which have no `_collect`) closes the
default channel, swallows a connection error that can leave it half closed (the pending BRPOP read fails
first), then detaches the transport (`transport.client = None`) but keeps the channel. When the broker drops
while a task is unacked (acks_late), Celery's consumer calls `collect()` and then `close()`; the second close
of that channel restores the unacked messages, which reads `transport.client.hostname` and raises
`AttributeError` (not a connection error), so the consumer dies with "Unrecoverable error". Forgetting the
channel once its transport is detached avoids that second close; the unacked message stays in Redis's
`unacked` hash until the running task acks it (or the visibility timeout restores it).
"""

from celery.app.amqp import AMQP
from kombu import Connection


class BrokerConnection(Connection):
    """A kombu Connection whose `collect()` also drops the default channel it could not close."""

    def collect(self, socket_timeout=None):
        try:
            super().collect(socket_timeout=socket_timeout)
        finally:
            self._default_channel = None


class BrokerAMQP(AMQP):
    """Celery's AMQP helper using `BrokerConnection` for every broker connection of the app."""

    Connection = BrokerConnection
    BrokerConnection = BrokerConnection
