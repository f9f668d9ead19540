#include <iostream>
#include <string>

int main() {
    std::string name = 42.5; // expect: error `conversion from` at `42.5`
    std::cout << name << std::endl;
    return 0;
}
