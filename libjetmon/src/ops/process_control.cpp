#include "jetmon/ops/process_control.hpp"

#include <signal.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>

#include "jetmon/common/text.hpp"

namespace jetmon::ops {

int signal_monitor(const config::Environment& env, int signal_number, std::ostream& out,
                   std::ostream& err) {
  const std::string path = config::pid_file_path_from_env(env);
  std::ifstream in(path);
  if (!in) {
    err << "read pid file " << path << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  std::stringstream content;
  content << in.rdbuf();
  const std::string text(trim(content.str()));
  long pid = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (ec != std::errc{} || end != text.data() + text.size() || pid <= 1) {
    err << "pid file " << path << " does not hold a process id\n";
    return 1;
  }
  if (::kill(static_cast<pid_t>(pid), signal_number) != 0) {
    err << "signal pid " << pid << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  if (signal_number == SIGINT) {
    out << "SIGINT sent to pid " << pid << " \xe2\x80\x94 jetmon2 will drain and exit\n";
  } else {
    out << "SIGHUP sent to pid " << pid << "\n";
  }
  return 0;
}

}  // namespace jetmon::ops
