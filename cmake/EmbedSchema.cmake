# schema/NNN_name.sql files are compiled into libjetmon as a table of migrations.
file(GLOB JETMON_SCHEMA_FILES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/schema/[0-9][0-9][0-9]_*.sql)
list(SORT JETMON_SCHEMA_FILES)
set(JETMON_SCHEMA_CPP ${PROJECT_BINARY_DIR}/generated/schema_migrations.cpp)
add_custom_command(
  OUTPUT ${JETMON_SCHEMA_CPP}
  COMMAND ${CMAKE_COMMAND} -DOUTPUT=${JETMON_SCHEMA_CPP} "-DFILES=${JETMON_SCHEMA_FILES}"
          -P ${PROJECT_SOURCE_DIR}/cmake/embed_schema.cmake
  DEPENDS ${JETMON_SCHEMA_FILES} ${PROJECT_SOURCE_DIR}/cmake/embed_schema.cmake
  COMMENT "Embedding schema migrations"
  VERBATIM)
