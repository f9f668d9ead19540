def parse_port(text):
    return int(text)  # expect: hint `ValueError` at `int(text)`


def load_config(values):
    try:
        return parse_port(values["port"])
    except ValueError as error:
        raise RuntimeError("bad configuration") from error  # expect: error `RuntimeError: bad configuration`


load_config({"port": "eighty"})  # expect: hint
