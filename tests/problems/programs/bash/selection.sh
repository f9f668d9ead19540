# Only the marked lines are sent.
export GREETING=hi
# select-start
echo "start"
no_such_command_here --flag # expect: error `command not found`
exit 3
# select-end
