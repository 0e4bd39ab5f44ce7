#pragma once

#include <string>
#include <vector>

namespace jetmon {

// Rows of cells as Go's tabwriter prints them with padding 2: every cell but the last of a row
// left-aligned and padded to its column's widest cell plus two spaces; each row ends with '\n'.
// Widths count bytes (the operator tables hold ASCII headers and values). Used by the
// delivery-check table and the subscriber lists.
std::string format_columns(const std::vector<std::vector<std::string>>& rows);

}  // namespace jetmon
