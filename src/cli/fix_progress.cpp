#include <brigade/cli/fix_progress.hpp>
#include <brigade/util/strings.hpp>
#include <brigade/util/terminal_text.hpp>

#include <fmt/ranges.h>
#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>

#include <memory>

namespace brigade {

std::string join_shortened(const std::vector<std::string>& items, std::size_t most,
                           const std::string& noun) {
  if (items.size() <= most) {
    return fmt::format("{}", fmt::join(items, " "));
  }
  return fmt::format("{} … ({} {})", fmt::join(items.begin(), items.begin() + (most - 1), " "),
                     items.size(), noun);
}

std::string describe_result(const NodeResult& node, const Palette& palette) {
  // The node's name and reason are shown escaped (they may hold a node's bytes); the colour,
  // ours, is not.
  std::string text = visible(node.name) + ": ";
  switch (node.status) {
    case NodeStatus::deployed:
      text += palette.ok("deployed");
      break;
    case NodeStatus::cancelled:
      text += "cancelled";
      break;
    case NodeStatus::skipped:
      text += palette.skipped("skipped") + ": " + visible(node.reason(kConvergeCommandNoun));
      break;
    default:
      text += palette.failed("FAILED") + ": " + visible(node.reason(kConvergeCommandNoun));
  }
  return text + fmt::format(" ({:.1f} s{})", node.duration_s,
                            node.transferred || node.status != NodeStatus::deployed
                                ? ""
                                : ", kitchen unchanged");
}

ProgressPrinter::ProgressPrinter(std::ostream& out, bool live, bool quiet, Palette palette)
    : out_(out),
      live_(live && !quiet),
      quiet_(quiet),
      palette_(palette),
      terminal_(stdout, live_, live_ ? StatusLine(stdout).width() : 80) {}

void ProgressPrinter::batch_started(std::size_t batch, std::size_t batches, std::size_t nodes) {
  activity_.clear();  // a pause or a gate before it is over
  batch_ = batch;
  batches_ = batches;
  line(fmt::format("Batch {} of {}: {}", batch, batches, plural(nodes, "node", "nodes")));
}

void ProgressPrinter::node_started(const NodeResult&) {
  ++running_;
  refresh();
}

void ProgressPrinter::node_finished(const NodeResult& node) {
  --running_;
  ++counts_[node.status];
  line(describe_result(node, palette_));
}

void ProgressPrinter::global_hook_started(const Hook& hook) {
  activity_ = fmt::format("{} '{}' running", hook_kind(hook.type), hook.name);
  refresh();
}

void ProgressPrinter::hook_finished(const std::string& node, const HookRecord& hook) {
  if (node.empty()) {  // node hooks show in their node's line
    activity_.clear();
    line(fmt::format("{} '{}': {} ({:.1f} s)", hook_kind(hook.type), hook.name, hook.outcome(),
                     hook.duration_s));
  }
}

void ProgressPrinter::refresh() {
  if (!live_) {
    return;
  }
  RunStatus status;
  status.batch = batch_;
  status.batches = batches_;
  status.deployed = counts_[NodeStatus::deployed];
  status.failed = counts_[NodeStatus::failed];
  status.skipped = counts_[NodeStatus::skipped];
  status.running = running_;
  status.elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  status.activity = activity_;
  // One column short: writing the last column makes some terminals wrap.
  const std::size_t width = terminal_.width() > 1 ? terminal_.width() - 1 : 1;
  terminal_.set_status(status_text(status, width, palette_), /*fitted=*/true);
}

std::string status_text(const RunStatus& status, std::size_t width, const Palette& palette) {
  const std::string elapsed = fmt::format("{:.1f} s", status.elapsed_s);
  const std::string failed = fmt::format("{} failed", status.failed);
  // The forms hold a mark where the failure count goes: the form is chosen by the width of what
  // shows, and the count painted in afterwards.
  const std::string mark = "\x01";
  // From the most to the least said; the first that fits is shown.
  std::vector<std::string> forms;
  if (!status.activity.empty()) {  // a hook, a gate or a pause: no node runs beside it
    forms = {fmt::format("[{}] {}, {}", status.activity, mark, elapsed),
             fmt::format("[{}] {}", status.activity, mark)};
  } else {
    const std::string deployed = fmt::format("{} deployed", status.deployed);
    const std::string skipped = fmt::format("{} skipped", status.skipped);
    const std::string running = fmt::format("{} running", status.running);
    const std::string batch = fmt::format("[batch {}/{}] ", status.batch, status.batches);
    forms = {batch + join({deployed, mark, skipped, running, elapsed}, ", "),
             join({deployed, mark, skipped, running, elapsed}, ", "),
             join({deployed, mark, skipped, running}, ", "), join({deployed, mark, running}, ", "),
             join({deployed, mark}, ", ")};
  }
  const std::string shown_failed = status.failed > 0 ? palette.failed(failed) : failed;
  for (const auto& form : forms) {
    if (form.size() - mark.size() + failed.size() <= width) {
      std::string text = form;
      return text.replace(text.rfind(mark), mark.size(), shown_failed);
    }
  }
  return failed.size() <= width ? shown_failed : elide_middle(failed, width);
}

void ProgressPrinter::batch_wait_started(std::chrono::seconds wait, std::size_t next_batch) {
  activity_ = fmt::format("waiting {} s before batch {}", wait.count(), next_batch);
  refresh();
}

void ProgressPrinter::node_output(const NodeResult& node, OutputStream stream,
                                  std::string_view text) {
  if (verbose_) {
    line(node.name + (stream == OutputStream::err ? " [stderr]: " : ": ") + visible(text));
  }
}

void ProgressPrinter::line(const std::string& text) {
  if (quiet_) {
    return;
  }
  if (live_) {
    terminal_.print_line(text);
    refresh();
  } else {
    out_ << text << '\n' << std::flush;
  }
}

// spdlog writing into a LogFile: Brigade's own safe creation and its write errors, not
// spdlog's fopen (which follows symlinks and leaves the fd to hooks).
class LogFileSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit LogFileSink(LogFile file) : file_(std::move(file)) {}
  LogFile& file() { return file_; }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(message, formatted);
    file_.write(std::string_view(formatted.data(), formatted.size()));
  }
  void flush_() override { file_.flush(); }

 private:
  LogFile file_;
};

RunLog::RunLog(LogFile file, RunObserver& next)
    : sink_(std::make_shared<LogFileSink>(std::move(file))), logger_("run", sink_), next_(next) {
  logger_.set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %v", spdlog::pattern_time_type::utc);
  logger_.flush_on(spdlog::level::info);
}

std::optional<std::string> RunLog::close() {
  sink_->file().close();
  return sink_->file().error();
}

void RunLog::batch_started(std::size_t batch, std::size_t batches, std::size_t nodes) {
  logger_.info("batch {} of {} started: {}", batch, batches, plural(nodes, "node", "nodes"));
  next_.batch_started(batch, batches, nodes);
}

void RunLog::node_started(const NodeResult& node) {
  logger_.info("{}: started (batch {})", node.name, node.batch);
  next_.node_started(node);
}

void RunLog::node_finished(const NodeResult& node) {
  const std::string reason = node.reason(kConvergeCommandNoun);
  logger_.info("{}: {}{} in {:.3f} s, log {}", node.name, node_status_name(node.status),
               reason.empty() ? "" : " (" + reason + ")", node.duration_s, node.log);
  next_.node_finished(node);
}

void RunLog::batch_wait_started(std::chrono::seconds wait, std::size_t next_batch) {
  logger_.info("waiting {} s (--batch-wait) before batch {}", wait.count(), next_batch);
  next_.batch_wait_started(wait, next_batch);
}

void RunLog::global_hook_started(const Hook& hook) {
  logger_.info("{} '{}' started", hook_kind(hook.type), hook.name);
  next_.global_hook_started(hook);
}

void RunLog::node_output(const NodeResult& node, OutputStream stream, std::string_view line) {
  next_.node_output(node, stream, line);  // the node's own log has it
}

void RunLog::hook_output(const std::string& node, const std::string& hook, bool is_stderr,
                         std::string_view line) {
  logger_.info("{}[{}]{} {}", node.empty() ? "" : node + ": ", hook, is_stderr ? " [stderr]" : "",
               line);
}

void RunLog::hook_finished(const std::string& node, const HookRecord& hook) {
  logger_.info("{}{} '{}' [{}]: {} in {:.3f} s", node.empty() ? "" : node + ": ",
               hook_kind(hook.type), hook.name, join_shortened(hook.args, 6, "arguments"),
               hook.outcome(), hook.duration_s);
  next_.hook_finished(node, hook);
}

}  // namespace brigade
