#include <iostream>
#include "jetmon/common/build_info.hpp"
int main() { std::cout << jetmon::version_line("jetmon-deliverer") << "\n"; return 0; }
