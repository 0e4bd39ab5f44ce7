#pragma once

#include <cstdint>

// The sockets libcurl asks the engine to watch, kept in one epoll instance of our own. The loop
// watches that instance with a single uv_poll (an epoll descriptor is itself pollable).
//
// Why not one uv_poll per socket: libuv 1.44 spends about eight system calls per socket on it
// (uv_poll_init probes the descriptor with ADD+DEL and sets O_NONBLOCK again, every start first
// DELs then re-ADDs, and stop and close each DEL). Measured on a 10,000-site round: 6.4
// epoll_ctl calls per check, 2.7 of them failing. Here a socket costs one ADD, one MOD per change
// of direction and one DEL. Linux only, like the rest of the suite.
namespace jetmon::check {

// Interest bits, stored by the caller per socket (libcurl's socketp).
enum SocketInterest : unsigned { kWantRead = 1u, kWantWrite = 2u };

// What one ready socket reported.
struct SocketReady {
  int fd = -1;
  bool readable = false;  // data, end of stream or hang-up
  bool writable = false;
  bool error = false;
};

class SocketSet {
 public:
  SocketSet();  // throws std::runtime_error if the epoll instance cannot be created
  ~SocketSet();
  SocketSet(const SocketSet&) = delete;
  SocketSet& operator=(const SocketSet&) = delete;

  int descriptor() const { return epoll_fd_; }

  // Sets the interest of `fd` (a non-empty SocketInterest mask). `previous` is the mask it had,
  // 0 when it is not in the set yet. Returns false if the kernel refused (errno kept).
  bool watch(int fd, unsigned interest, unsigned previous);
  // Takes `fd` out of the set (before libcurl closes it, or when it parks a connection).
  void forget(int fd);

  // Up to `capacity` ready sockets without waiting; returns how many were written to `out`.
  int ready(SocketReady* out, int capacity);

 private:
  int epoll_fd_ = -1;
};

}  // namespace jetmon::check
