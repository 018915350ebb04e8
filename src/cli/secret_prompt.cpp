#include <brigade/cli/secret_prompt.hpp>
#include <brigade/util/fd.hpp>

#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace brigade {

namespace {

// What the signal handler needs to put the terminal back: plain data, set before the handler
// is installed.
int g_tty = -1;
termios g_saved{};

extern "C" void restore_and_reraise(int signal_number) {
  ::tcsetattr(g_tty, TCSAFLUSH, &g_saved);  // async-signal-safe
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

}  // namespace

Result<std::string> ask_secret_on_terminal(const std::string& prompt) {
  Fd tty(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!tty) {
    return Diagnostic{.message = std::string("there is no terminal to ask for the password on (") +
                                 std::strerror(errno) + ")"};
  }
  termios saved{};
  if (::tcgetattr(tty.get(), &saved) != 0) {
    return Diagnostic{.message = std::string("cannot use the terminal to ask for the password (") +
                                 std::strerror(errno) + ")"};
  }
  g_tty = tty.get();
  g_saved = saved;
  struct sigaction handler {};
  handler.sa_handler = restore_and_reraise;
  sigemptyset(&handler.sa_mask);
  struct sigaction previous[std::size(kSignals)];
  for (std::size_t i = 0; i < std::size(kSignals); ++i) {
    ::sigaction(kSignals[i], &handler, &previous[i]);
  }
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;
  ::tcsetattr(tty.get(), TCSAFLUSH, &quiet);
  (void)!::write(tty.get(), prompt.data(), prompt.size());

  std::string line;
  bool ended = false;
  for (char c = 0; !ended;) {
    const ssize_t n = ::read(tty.get(), &c, 1);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0 || c == '\n') {
      ended = true;
    } else if (line.size() < 4096) {
      line += c;
    }
  }
  ::tcsetattr(tty.get(), TCSAFLUSH, &saved);
  for (std::size_t i = 0; i < std::size(kSignals); ++i) {
    ::sigaction(kSignals[i], &previous[i], nullptr);
  }
  g_tty = -1;
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return line;
}

}  // namespace brigade
