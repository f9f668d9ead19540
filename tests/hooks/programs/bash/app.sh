source "$(dirname "$0")/lib/cart.sh"

echo "argv: $0 $*"
echo "total: $(total)"
echo "data: $(cat data.txt)"
while IFS= read -r line; do echo "stdin: $line"; done
check
