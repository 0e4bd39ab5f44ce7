#include <iostream>
#include "jetmon/common/build_info.hpp"
int main() { std::cout << jetmon::version_line("jetmon2") << "\n"; return 0; }
