"""The API's documented limits, as plain constants.

Kept apart from `models` (and free of imports) because the language server's settings read
them while it starts, before anything else of the API package is needed.
"""

from __future__ import annotations

NETWORK_MODES: tuple[str, ...] = ("zerotrust", "semitrusted")
TTL_MIN, TTL_MAX, TTL_DEFAULT = 1, 900, 60
MAX_INPUT_FILES = 10
MAX_INPUT_FILE_BYTES = 5 * 1024 * 1024
MAX_INPUT_TOTAL_BYTES = 10 * 1024 * 1024
MAX_FILENAME_CHARS = 256
MAX_ENV_VARS = 256
#: virtual CPUs of a run (each with 2 GB of memory); the official CLI sends `vcpu` only when > 1
VCPU_MIN, VCPU_MAX = 1, 8

# the client's own bounds (not the API's)
#: the largest answer read; past it the read stops
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
#: seconds added to the job's ttl for the synchronous `/execute` and for a wait's own timeout
TTL_GRACE = 30.0
