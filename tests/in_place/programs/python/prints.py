import contextlib
import io
import pickle
import sys


class Noisy:
    def __str__(self):
        print("inside")
        return "noisy"


class Bad:
    def __str__(self):
        raise ValueError("no words")


print("a", 1, 2.5, True, None)
print("a", "b", sep="", end="!\n")
print("x", sep=None, end=None)
print()
print(end="")
print("to err", file=sys.stderr)
print("a", Noisy(), [1, 2])
buffer = io.StringIO()
print("kept", 3, file=buffer, flush=True)
with contextlib.redirect_stdout(io.StringIO()) as caught:
    print("caught")
print(repr(buffer.getvalue()), repr(caught.getvalue()))
for wrong in ({"sep": 1}, {"end": b"x"}):
    try:
        print("x", **wrong)
    except TypeError as error:
        print("TypeError:", error)
try:
    print("before", Bad(), "after")
except ValueError as error:
    print()
    print("ValueError:", error)
try:
    print("big", 10**5000)
except ValueError as error:
    print()
    print("ValueError:", str(error)[:40])
print(pickle.loads(pickle.dumps(print)) is print, print.__name__)
print("flushed", flush=True)
saved, sys.stdout = sys.stdout, None
print("nowhere")
sys.stdout = saved
print("last", Bad())
