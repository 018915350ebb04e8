#include "kitchen_exchange.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace brigade {

namespace {

bool is_hex(std::string_view text, std::size_t size) {
  return text.size() == size && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::shared_ptr<const std::string> text(std::string value) {
  return std::make_shared<const std::string>(std::move(value));
}

}  // namespace

KitchenExchange::KitchenExchange(const KitchenArchive& kitchen, const NodeMarkers& markers,
                                 DeltaCache* cache, std::string work_path)
    : kitchen_(kitchen), markers_(markers), cache_(cache), work_path_(std::move(work_path)) {}

bool KitchenExchange::on_line(std::string_view line,
                              std::vector<std::shared_ptr<const std::string>>& send) {
  const bool ours = line.starts_with(markers_.prefix);
  if (listening_) {
    if (ours && line.starts_with(markers_.object())) {
      const std::string name(line.substr(markers_.object().size()));
      object_ = is_hex(name, 32) ? &objects_[name] : nullptr;
      garbled_ = garbled_ || object_ == nullptr;
      return true;
    }
    if (ours && line == markers_.objects()) {
      listening_ = false;
      received(send);
      return true;
    }
    if (ours) {
      return false;  // the node stopped answering (it refused, or failed): not ours
    }
    // A line of the listing being sent: bounded, whatever the node sends.
    bytes_ += line.size() + 1;
    if (object_ == nullptr || bytes_ > TreeWalk::kMaxBytes) {
      garbled_ = true;
      return true;
    }
    object_->append(line);
    *object_ += '\n';
    return true;
  }
  if (!ours || !line.starts_with(markers_.base()) || !sent_.empty() || walk_) {
    return false;
  }
  const std::string_view base = line.substr(markers_.base().size());
  if (base == "none" || !kitchen_.tree) {
    send_whole(send, "");
    return true;
  }
  if (!is_hex(base, 64)) {
    send_whole(send, " (it named its kitchen in a way no kitchen is named)");
    return true;
  }
  if (cache_ != nullptr) {
    if (auto delta = cache_->find(std::string(base))) {
      send_delta(send, std::move(delta));
      if (delta_sent_) {
        sent_ += "; the change was built for another node of this run that holds the same kitchen";
      }
      return true;
    }
  }
  walk_.emplace(*kitchen_.tree, std::string(base));
  ask(send);
  return true;
}

void KitchenExchange::ask(std::vector<std::shared_ptr<const std::string>>& send) {
  std::string request = "objects";
  for (const auto& hash : walk_->wanted()) {
    request += ' ';
    request += hash;
  }
  request += '\n';
  objects_.clear();
  object_ = nullptr;
  listening_ = true;
  send.push_back(text(std::move(request)));
}

void KitchenExchange::received(std::vector<std::shared_ptr<const std::string>>& send) {
  if (garbled_) {
    send_whole(send, " (its listings of its kitchen were garbled)");
    return;
  }
  auto walked = walk_->receive(objects_);
  if (!walked) {
    send_whole(send, " (" + walked.error().message + ")");
    return;
  }
  if (!walk_->wanted().empty()) {
    ask(send);
    return;
  }
  auto delta = walk_->delta();
  if (!delta) {
    send_whole(send, " (" + delta.error().message + ")");
    return;
  }
  auto shared = std::make_shared<const KitchenDelta>(std::move(*delta));
  if (cache_ != nullptr) {
    cache_->add(shared);
  }
  send_delta(send, std::move(shared));
}

void KitchenExchange::send_whole(std::vector<std::shared_ptr<const std::string>>& send,
                                 const std::string& why) {
  send.push_back(text(full_apply_input(kitchen_.gzip->size())));
  send.push_back(kitchen_.gzip);
  sent_ = fmt::format("the kitchen was sent whole to {} ({} bytes){}", work_path_,
                      kitchen_.gzip->size(),
                      why.empty() ? "" : "; the node's kitchen was no base for a change" + why);
}

void KitchenExchange::send_delta(std::vector<std::shared_ptr<const std::string>>& send,
                                 std::shared_ptr<const KitchenDelta> delta) {
  if (delta->gzip->size() >= kitchen_.gzip->size()) {
    send_whole(send, "");
    return;
  }
  send.push_back(text(delta_apply_input(*delta)));
  send.push_back(delta->gzip);
  delta_sent_ = true;
  sent_ = fmt::format("the kitchen's changes were sent to {} ({} bytes: {} written, {} removed)",
                      work_path_, delta->gzip->size(), delta->written, delta->deleted);
}

}  // namespace brigade
