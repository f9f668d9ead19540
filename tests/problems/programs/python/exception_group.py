def check_name(record):
    if not record.get("name"):
        raise ValueError("missing name")  # expect: hint `ValueError: missing name`


def check_age(record):
    if record.get("age", 0) < 0:
        raise ValueError("negative age")  # expect: hint `ValueError: negative age`


def validate(record):
    errors = []
    for check in (check_name, check_age):
        try:
            check(record)
        except ValueError as error:
            errors.append(error)
    if errors:
        raise ExceptionGroup("invalid record", errors)  # expect: error `ExceptionGroup: invalid record`


validate({"age": -1})  # expect: hint
