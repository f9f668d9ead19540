from . import scale


def twice(x):
    return scale.by(x, 2)  # expect: hint
