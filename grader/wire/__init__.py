"""What crosses the trust boundary and how: framing, the data-only transport, and the
cleaning of every string that comes back from a worker. Both sides import it."""
