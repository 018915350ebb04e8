// Hostile and broken kitchen files: whatever the bytes, loading ends in a value or in an error
// that names the file — never a crash, an exception or a hang.
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <brigade/kitchen/hooks.hpp>
#include <brigade/kitchen/kitchen.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

using brigade::test::TempDir;

namespace {

// One of: cut short, bytes flipped, brackets or quotes or numbers inserted, a line doubled.
std::string mutate(std::string text, std::mt19937& random) {
  auto pick = [&](std::size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(random);
  };
  static const std::vector<std::string> inserts = {"[",
                                                   "{",
                                                   "]",
                                                   "}",
                                                   "\"",
                                                   ",",
                                                   ":",
                                                   "\\",
                                                   "1e400",
                                                   "-",
                                                   "\xff\xfe",
                                                   "\"\\u0000\"",
                                                   std::string(300, '['),
                                                   "null",
                                                   "true",
                                                   "\n",
                                                   "role[",
                                                   "recipe["};
  switch (pick(4)) {
    case 0:
      text.resize(pick(text.size() + 1));
      break;
    case 1:
      for (int i = 0; i < 3 && !text.empty(); ++i) {
        text[pick(text.size())] = static_cast<char>(pick(256));
      }
      break;
    case 2:
      text.insert(pick(text.size() + 1), inserts[pick(inserts.size())]);
      break;
    default:
      text += text.substr(pick(text.size() + 1));
      break;
  }
  return text;
}

}  // namespace

TEST_CASE("kitchen fuzz: mutated node, role and hook files never crash the loader",
          "[kitchen][fuzz]") {
  const std::filesystem::path fixture = std::string(BRIGADE_FIXTURES) + "/littlechef_kitchen";
  const std::filesystem::path hooks = std::string(BRIGADE_CONF_DIR) + "/kitchen/hooks";
  std::vector<std::pair<std::string, std::string>> sources;  // relative path, content
  for (const char* dir : {"nodes", "roles", "environments"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(fixture / dir)) {
      if (entry.is_regular_file()) {
        sources.emplace_back(std::filesystem::relative(entry.path(), fixture).string(),
                             brigade::test::file_text(entry.path().string()));
      }
    }
  }
  for (const auto& entry : std::filesystem::directory_iterator(hooks)) {
    if (entry.path().extension() == ".json") {
      sources.emplace_back("hooks/" + entry.path().filename().string(),
                           brigade::test::file_text(entry.path().string()));
    }
  }
  REQUIRE(sources.size() > 5);

  std::mt19937 random(20261201);  // fixed: a failure can be replayed
  for (int round = 0; round < 300; ++round) {
    TempDir kitchen;
    kitchen.write("littlechef.cfg", "");
    for (const auto& [path, content] : sources) {
      kitchen.write(path, content);
    }
    const auto& [path, content] = sources[random() % sources.size()];
    const std::string mutated = mutate(content, random);
    kitchen.write(path, mutated);
    INFO("round " << round << ": " << path);
    auto loaded = brigade::load_kitchen(kitchen.path());
    if (!loaded) {
      CHECK_FALSE(loaded.error().file.empty());
      CHECK_FALSE(loaded.error().message.empty());
    }
    auto hooks_loaded = brigade::load_hooks(kitchen.path());
    if (!hooks_loaded) {
      CHECK_FALSE(hooks_loaded.error().render().empty());
    }
  }
}
