#include "run/fork_pool.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <vector>

#include "detsim/base/errors.hpp"

namespace detsim::detail {

namespace {

struct Child {
  pid_t pid = -1;
  int fd = -1;
  std::size_t index = 0;
  std::string received;
};

void write_all(int fd, const std::string& bytes) {
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the parent is gone: nothing to report to
    written += static_cast<std::size_t>(n);
  }
}

[[noreturn]] void run_child(int fd, std::size_t index, const ForkPoolCallbacks& callbacks) {
  std::string payload;
  int status = 0;
  try {
    payload = callbacks.task(index);
    payload.insert(payload.begin(), '+');
  } catch (const std::exception& error) {
    payload = std::string("-") + error.what();
    status = 3;
  } catch (...) {
    payload = "-a non-standard exception";
    status = 3;
  }
  write_all(fd, payload);
  ::close(fd);
  // _exit: no atexit handlers or static destructors of the parent's state
  // (a test framework's, the program's) run twice.
  std::fflush(stdout);
  std::fflush(stderr);
  ::_exit(status);
}

Child start(std::size_t index, const ForkPoolCallbacks& callbacks) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Error("detsim.sweep.fork", std::string("pipe: ") + std::strerror(errno));
  // What the parent buffered must not be written again by the child.
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw Error("detsim.sweep.fork", std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::close(fds[0]);
    run_child(fds[1], index, callbacks);
  }
  ::close(fds[1]);
  return Child{pid, fds[0], index, {}};
}

ChildResult finish(Child& child) {
  ::close(child.fd);
  int status = 0;
  while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  ChildResult result;
  if (WIFSIGNALED(status)) {
    result.payload = "the process running it was killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                     strsignal(WTERMSIG(status)) + ")";
    return result;
  }
  if (child.received.empty()) {
    result.payload = "the process running it exited (status " + std::to_string(WEXITSTATUS(status)) +
                     ") before reporting";
    return result;
  }
  result.ok = child.received[0] == '+' && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  result.payload = child.received.substr(1);
  return result;
}

}  // namespace

void run_in_children(std::size_t count, unsigned jobs, const ForkPoolCallbacks& callbacks, int tick_ms) {
  if (jobs == 0) jobs = 1;
  std::vector<Child> running;
  std::size_t next = 0;
  bool starting = true;
  std::vector<char> buffer(1 << 16);
  while (true) {
    while (starting && next < count && running.size() < jobs) {
      if (callbacks.may_start && !callbacks.may_start(next)) {
        starting = false;
        break;
      }
      running.push_back(start(next++, callbacks));
    }
    if (running.empty()) return;
    std::vector<pollfd> fds;
    for (const Child& child : running) fds.push_back(pollfd{child.fd, POLLIN, 0});
    const int ready = ::poll(fds.data(), fds.size(), tick_ms);
    if (ready < 0 && errno != EINTR) throw Error("detsim.sweep.fork", std::string("poll: ") + std::strerror(errno));
    if (ready <= 0) {
      if (callbacks.tick) callbacks.tick();
      continue;
    }
    for (std::size_t i = running.size(); i-- > 0;) {
      if (fds[i].revents == 0) continue;
      const ssize_t n = ::read(running[i].fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        running[i].received.append(buffer.data(), static_cast<std::size_t>(n));
        continue;
      }
      Child child = std::move(running[i]);
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
      ChildResult result = finish(child);
      if (!callbacks.done(child.index, std::move(result))) starting = false;
    }
    if (callbacks.tick) callbacks.tick();
  }
}

WireWriter& WireWriter::number(std::uint64_t value) {
  char bytes[8];
  std::memcpy(bytes, &value, sizeof bytes);
  bytes_.append(bytes, sizeof bytes);
  return *this;
}

WireWriter& WireWriter::text(const std::string& value) {
  number(value.size());
  bytes_ += value;
  return *this;
}

std::uint64_t WireReader::number() {
  if (bytes_.size() - position_ < 8) throw Error("detsim.sweep.wire", "a worker's result was cut short");
  std::uint64_t value;
  std::memcpy(&value, bytes_.data() + position_, sizeof value);
  position_ += 8;
  return value;
}

std::string WireReader::text() {
  const std::uint64_t size = number();
  if (bytes_.size() - position_ < size) throw Error("detsim.sweep.wire", "a worker's result was cut short");
  std::string value = bytes_.substr(position_, size);
  position_ += size;
  return value;
}

}  // namespace detsim::detail
