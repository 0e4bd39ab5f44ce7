#include "check/socket_set.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace jetmon::check {
namespace {

constexpr int kMaxBatch = 256;

std::uint32_t epoll_events(unsigned interest) {
  std::uint32_t events = 0;
  if (interest & kWantRead) events |= EPOLLIN;
  if (interest & kWantWrite) events |= EPOLLOUT;
  return events;
}

}  // namespace

SocketSet::SocketSet() : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {
  if (epoll_fd_ < 0) {
    throw std::runtime_error(std::string("check engine: epoll_create1: ") + std::strerror(errno));
  }
}

SocketSet::~SocketSet() {
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

bool SocketSet::watch(int fd, unsigned interest, unsigned previous) {
  if (interest == previous) return true;
  epoll_event event{};
  event.events = epoll_events(interest);
  event.data.fd = fd;
  if (previous != 0) return epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event) == 0;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) == 0) return true;
  // A descriptor number libcurl reused before we saw the old socket's removal.
  return errno == EEXIST && epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event) == 0;
}

void SocketSet::forget(int fd) {
  epoll_event unused{};
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, &unused);
}

int SocketSet::ready(SocketReady* out, int capacity) {
  std::array<epoll_event, kMaxBatch> events;
  const int wanted = capacity < kMaxBatch ? capacity : kMaxBatch;
  int n = 0;
  do {
    n = epoll_wait(epoll_fd_, events.data(), wanted, 0);
  } while (n < 0 && errno == EINTR);
  for (int i = 0; i < n; ++i) {
    const std::uint32_t e = events[static_cast<std::size_t>(i)].events;
    out[i].fd = events[static_cast<std::size_t>(i)].data.fd;
    out[i].readable = (e & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) != 0;
    out[i].writable = (e & EPOLLOUT) != 0;
    out[i].error = (e & EPOLLERR) != 0;
  }
  return n < 0 ? 0 : n;
}

}  // namespace jetmon::check
