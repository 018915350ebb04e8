#include <brigade/util/secret.hpp>

#include <string.h>

namespace brigade {

void wipe(std::string& text) {
  if (!text.empty()) {
    explicit_bzero(text.data(), text.size());
  }
  text.clear();
}

std::shared_ptr<const std::string> shared_secret(std::string&& text) {
  return std::shared_ptr<const std::string>(new std::string(std::move(text)),
                                            [](const std::string* secret) {
                                              wipe(*const_cast<std::string*>(secret));
                                              delete secret;
                                            });
}

}  // namespace brigade
