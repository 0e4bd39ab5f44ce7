#pragma once

#include <string>
#include <vector>

namespace jetmon::db {

// One schema/NNN_name.sql file, embedded at build time.
struct Migration {
  int id;
  std::string name;
  std::string sql;
};

// All migrations of schema/, ordered by id.
const std::vector<Migration>& embedded_migrations();

}  // namespace jetmon::db
