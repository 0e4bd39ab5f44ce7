#include <iostream>
#include "jetmon/common/build_info.hpp"
int main() { std::cout << jetmon::version_line("jetmon-rollout") << "\n"; return 0; }
