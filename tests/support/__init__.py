"""Test support: real servers the tests talk to (the local sandbox, a fault-injecting server).

`tests/conftest.py` puts the `tests` directory on `sys.path`, so these import as `support.…`.
"""
