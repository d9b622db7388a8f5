"""Local fake social networks: one HTTP server that speaks the documented subset of each
network's API the connectors use, sends webhook deliveries signed as the network signs them,
and records every request it is sent (the replies issue asserts on those records).

One module per network (``meta``, ``youtube``, ``google``, ``reclameaqui``, ``linkedin``), each
with a ``router(state)`` and listed in ``NETWORKS`` in ``app``. Run with
``python -m devtools.fakenets --port 8090``; docs/channels.md shows how tests and demos use it.
"""
