// Notes before the selection.
// select-start
#include <vector>

int main() {
    std::vector<int> values;
    values.push_bak(1); // expect: error `has no member named` at `push_bak`
    return 0;
}
// select-end
