"""How job events reach clients, on the API side (publishing and the event types are in app/kernel/events*).

- hub: one Redis pub/sub connection per API process, shared by every open stream
- relay: one job's stream: subscribe, replay what the client missed (Last-Event-ID), forward live; SSE frames
- answers: an answer's stream: queue positions while it waits, a dead worker noticed, the stored final event
- ephemeral: jobs without a database row (/v1 calls, search): payload parked in Redis, events awaited
"""
