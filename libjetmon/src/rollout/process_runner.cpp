// The real CommandRunner: posix_spawnp with one pipe for stdout and stderr, a ceiling on what is
// kept, and a deadline after which the child is killed.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

#include "jetmon/rollout/local_checks.hpp"

extern char** environ;

namespace jetmon::rollout {
namespace {

// Closes a descriptor once.
struct Fd {
  int fd = -1;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

CommandOutput run_process(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
  CommandOutput result;
  if (argv.empty()) {
    result.error = "no command";
    return result;
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    result.error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  Fd read_end{fds[0]};
  Fd write_end{fds[1]};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, write_end.fd, STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawn_error = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  write_end.reset();
  if (spawn_error != 0) {
    result.error = argv[0] + ": " + std::strerror(spawn_error);
    return result;
  }
  result.started = true;

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd pfd{read_end.fd, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char buffer[4096];
    const ssize_t n = ::read(read_end.fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    const std::size_t room = kMaxCommandOutput - std::min(kMaxCommandOutput, result.output.size());
    result.output.append(buffer, std::min(room, static_cast<std::size_t>(n)));  // drain past the ceiling
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    result.error = "timed out after " + std::to_string(timeout.count()) + "s";
  } else if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
    // posix_spawnp reports a missing program through exit status 127 on glibc.
    if (result.exit_code == 127 && result.output.empty()) {
      result.started = false;
      result.error = argv[0] + ": executable file not found in $PATH";
    }
  } else if (WIFSIGNALED(status)) {
    result.error = std::string("killed by signal ") + std::to_string(WTERMSIG(status));
  }
  return result;
}

}  // namespace

CommandRunner process_runner(std::chrono::seconds timeout) {
  return [timeout](const std::vector<std::string>& argv) { return run_process(argv, timeout); };
}

}  // namespace jetmon::rollout
