# Build identity baked into every binary: version, git commit, build date, compiler.
find_package(Git QUIET)
set(JETMON_GIT_COMMIT "unknown")
set(JETMON_GIT_DESCRIBE "")
if(GIT_FOUND AND EXISTS ${PROJECT_SOURCE_DIR}/.git)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
                  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                  OUTPUT_VARIABLE _commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
  if(_rc EQUAL 0 AND _commit)
    set(JETMON_GIT_COMMIT "${_commit}")
  endif()
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --tags --always --dirty
                  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                  OUTPUT_VARIABLE _describe OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  set(JETMON_GIT_DESCRIBE "${_describe}")
endif()
string(TIMESTAMP JETMON_BUILD_DATE "%Y-%m-%dT%H:%M:%SZ" UTC)
set(JETMON_COMPILER "${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/build_info.cpp.in
               ${PROJECT_BINARY_DIR}/generated/build_info.cpp @ONLY)
