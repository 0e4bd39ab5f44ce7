# Script mode: writes OUTPUT, a C++ file defining jetmon::db::embedded_migrations().
# FILES is the sorted list of schema/NNN_name.sql paths.
set(body "")
foreach(path IN LISTS FILES)
  get_filename_component(fname ${path} NAME_WE)
  string(REGEX MATCH "^([0-9]+)_(.+)$" _ ${fname})
  set(id ${CMAKE_MATCH_1})
  set(name ${CMAKE_MATCH_2})
  math(EXPR id "${id} + 0")
  file(READ ${path} sql)
  string(FIND "${sql}" ")jetmon_sql\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${path} contains the raw-string delimiter )jetmon_sql\"")
  endif()
  string(APPEND body "      {${id}, \"${name}\", R\"jetmon_sql(${sql})jetmon_sql\"},\n")
endforeach()
file(WRITE ${OUTPUT}.tmp
"// Generated from schema/*.sql by cmake/embed_schema.cmake; do not edit.
#include \"jetmon/db/migrations.hpp\"

namespace jetmon::db {

const std::vector<Migration>& embedded_migrations() {
  static const std::vector<Migration> migrations{
${body}  };
  return migrations;
}

}  // namespace jetmon::db
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
