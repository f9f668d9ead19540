"""A small program with a bug: one order line has no price.

Run it through the language server with `bash scripts/main-job.sh`: the traceback comes back as an
error on the line that failed and a hint on each line that called it.
"""

ORDERS = [
    {"item": "notebook", "qty": 2, "price": 3.5},
    {"item": "pencil", "qty": 10, "price": 0.25},
    {"item": "eraser", "qty": 1},
]


def line_total(line: dict) -> float:
    return line["qty"] * line["price"]


def order_total(lines: list[dict]) -> float:
    total = 0.0
    for line in lines:
        print(f"{line['item']:>10} x{line['qty']}")
        total += line_total(line)
    return total


print(f"total: {order_total(ORDERS):.2f}")
