#include <iostream>
#include "lib/helpers.hpp"

int main() {
    std::cout << add(1, 2) << std::endl;
}
