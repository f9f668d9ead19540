import warnings


def old_api(value):
    warnings.warn("old_api() is deprecated", DeprecationWarning, stacklevel=2)
    return value * 2


result = old_api(2)  # expect: warning `DeprecationWarning: old_api() is deprecated`
print(result + "x")  # expect: error `TypeError` at `result + "x"`
