import os
import sys

for n in range(3):
    print("step", n)
sys.stdout.flush()
os._exit(3)
