#pragma once

#include <brigade/run/kitchen_archive.hpp>
#include <brigade/run/kitchen_delta.hpp>
#include <brigade/run/node_script.hpp>
#include <brigade/ssh/session.hpp>

#include <map>
#include <optional>
#include <string>

namespace brigade {

/// The controller's side of bringing a node's kitchen up to date, as a conversation on the
/// deploy's channel. The node says which kitchen it can apply a change to ("base"); the
/// controller walks that kitchen's listings from the top down (TreeWalk), asking for those that
/// differ, then sends the change — or the whole kitchen when the node has no base, when its
/// listings are not what their names say, or when the change would be no smaller. A change
/// from a base another node of the run already showed is sent at once (DeltaCache).
class KitchenExchange : public ssh::StdinResponder {
 public:
  KitchenExchange(const KitchenArchive& kitchen, const NodeMarkers& markers, DeltaCache* cache,
                  std::string work_path);

  bool on_line(std::string_view line,
               std::vector<std::shared_ptr<const std::string>>& send) override;

  /// What was sent where, for the log, once it was: "the kitchen was sent whole to…" or "the
  /// kitchen's changes were sent to…".
  const std::string& sent() const { return sent_; }
  /// A change (not the whole kitchen) was sent.
  bool delta_sent() const { return delta_sent_; }

 private:
  void ask(std::vector<std::shared_ptr<const std::string>>& send);
  void send_whole(std::vector<std::shared_ptr<const std::string>>& send, const std::string& why);
  void send_delta(std::vector<std::shared_ptr<const std::string>>& send,
                  std::shared_ptr<const KitchenDelta> delta);
  void received(std::vector<std::shared_ptr<const std::string>>& send);

  const KitchenArchive& kitchen_;
  const NodeMarkers& markers_;
  DeltaCache* cache_;
  std::string work_path_;
  std::optional<TreeWalk> walk_;
  bool listening_ = false;  ///< between a request for listings and the node's "objects"
  bool garbled_ = false;    ///< the node's answer was not listings
  std::map<std::string, std::string> objects_;
  std::string* object_ = nullptr;
  std::size_t bytes_ = 0;
  std::string sent_;
  bool delta_sent_ = false;
};

}  // namespace brigade
