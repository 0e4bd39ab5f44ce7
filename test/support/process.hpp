#pragma once

#include <map>
#include <string>
#include <vector>

namespace jetmon::test {

struct CommandResult {
  int exit_code = -1;  // -1 when the child was killed by a signal or could not start
  std::string out;
  std::string err;
};

// Runs argv[0] with argv, an environment made of the current one with `env_overrides` applied
// (an empty value removes the variable), in `cwd` when not empty. Captures stdout and stderr.
// The child is killed after `timeout_ms` so a hang fails the test instead of blocking it.
CommandResult run_command(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env_overrides = {},
                          const std::string& cwd = {}, int timeout_ms = 60000);

// argv and envp for execve, built before fork(): the current environment with `env_overrides`
// applied (an empty value removes the variable). The pointers stay valid while the spec lives.
class ExecSpec {
 public:
  ExecSpec(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env_overrides);
  char* const* argv() { return argp_.data(); }
  char* const* envp() { return envp_.data(); }

 private:
  std::vector<std::string> args_;
  std::vector<std::string> env_;
  std::vector<char*> argp_;
  std::vector<char*> envp_;
};

// A fresh directory under the system temp dir, removed recursively on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `content` to path()/name and returns the full path.
  std::string write_file(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

}  // namespace jetmon::test
