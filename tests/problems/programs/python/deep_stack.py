import json


def load(text):
    return json.loads(text)["key"]  # expect: error `KeyError: 'key'` at `json.loads(text)["key"]`


def middle(text):
    return load(text)  # expect: hint


def main():
    middle('{"x": 1}')  # expect: hint


main()  # expect: hint
