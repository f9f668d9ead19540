source helpers.sh

greet world
