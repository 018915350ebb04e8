// Generates a kitchen of 10,000 nodes and 500 roles nested five deep, then times loading it and
// selecting `nodes_with_role:web*`. Prints a table; never fails on timing.
//
//   build/bench/bench_kitchen [NODES] [ROLES] [RUNS]

#include <brigade/kitchen/kitchen.hpp>
#include <brigade/kitchen/selector.hpp>
#include <brigade/util/text_table.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

constexpr int kLevels = 5;
const char* const kLevelPrefix[kLevels] = {"base/b", "svc/s", "app/a", "web/front", "stack/t"};

std::string role_name(int level, int index) {
  return fmt::format("{}{}", kLevelPrefix[level], index);
}

void write_file(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << content;
}

// Level L roles include two roles of level L-1, so a node on a level-4 role expands five deep.
void generate(const fs::path& root, int nodes, int roles) {
  write_file(root / "littlechef.cfg",
             "[userinfo]\nuser = root\n[kitchen]\nnode_work_path = /tmp/chef-solo\n");
  const char* environments[] = {"production", "staging", "qa"};
  for (const char* env : environments) {
    write_file(root / "environments" / (std::string(env) + ".json"),
               fmt::format("{{\"name\": \"{}\", \"json_class\": \"Chef::Environment\"}}\n", env));
  }
  const int per_level = roles / kLevels;
  for (int level = 0; level < kLevels; ++level) {
    for (int i = 0; i < per_level; ++i) {
      std::string run_list =
          fmt::format("\"recipe[cookbook{}::r{}]\", \"cookbook{}\"", i % 50, level, i % 7);
      if (level > 0) {
        run_list += fmt::format(", \"role[{}]\", \"role[{}]\"", role_name(level - 1, i),
                                role_name(level - 1, (i * 7 + 3) % per_level));
      }
      write_file(root / "roles" / (role_name(level, i) + ".json"),
                 fmt::format("{{\n  \"name\": \"{}\",\n  \"json_class\": \"Chef::Role\",\n"
                             "  \"run_list\": [{}],\n  \"default_attributes\": {{}}\n}}\n",
                             role_name(level, i), run_list));
    }
  }
  for (int n = 0; n < nodes; ++n) {
    int level = 2 + n % 3;
    write_file(root / "nodes" / fmt::format("node{:05}.fleet.example.com.json", n),
               fmt::format("{{\n  \"chef_environment\": \"{}\",\n  \"run_list\": [\"role[{}]\", "
                           "\"recipe[monitoring]\"],\n  \"tags\": [\"rack{}\"],\n"
                           "  \"ipaddress\": \"10.{}.{}.{}\"\n}}\n",
                           environments[n % 3], role_name(level, n % per_level), n % 40, n / 65536,
                           (n / 256) % 256, n % 256));
  }
}

double milliseconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  const int nodes = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int roles = argc > 2 ? std::atoi(argv[2]) : 500;
  const int runs = argc > 3 ? std::atoi(argv[3]) : 5;

  std::string pattern = (fs::temp_directory_path() / "brigade-bench-kitchen-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::cerr << "bench_kitchen: cannot create a temp dir\n";
    return 1;
  }
  const fs::path root = pattern;
  generate(root, nodes, roles);

  std::vector<double> load_ms;
  std::vector<double> select_ms;
  std::size_t selected = 0;
  for (int run = 0; run < runs; ++run) {
    auto start = std::chrono::steady_clock::now();
    auto kitchen = brigade::load_kitchen(root);
    load_ms.push_back(milliseconds_since(start));
    if (!kitchen) {
      std::cerr << "bench_kitchen: " << kitchen.error().render() << '\n';
      return 1;
    }
    start = std::chrono::steady_clock::now();
    auto selection = brigade::select_nodes(*kitchen, {"nodes_with_role:web*"}, std::nullopt);
    select_ms.push_back(milliseconds_since(start));
    if (!selection) {
      std::cerr << "bench_kitchen: " << selection.error().render() << '\n';
      return 1;
    }
    selected = selection->nodes.size();
  }
  fs::remove_all(root);

  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  auto min = [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); };

  std::cout << fmt::format(
      "kitchen: {} nodes, {} roles nested {} deep; {} runs (files in page cache)\n\n", nodes, roles,
      kLevels, runs);
  brigade::TextTable table({"STEP", "MEDIAN MS", "MIN MS"});
  table.add_row({"load kitchen", fmt::format("{:.1f}", median(load_ms)),
                 fmt::format("{:.1f}", min(load_ms))});
  table.add_row({fmt::format("select nodes_with_role:web* ({} nodes)", selected),
                 fmt::format("{:.1f}", median(select_ms)), fmt::format("{:.1f}", min(select_ms))});
  std::vector<double> total;
  for (std::size_t i = 0; i < load_ms.size(); ++i) {
    total.push_back(load_ms[i] + select_ms[i]);
  }
  table.add_row({"total (aim: under 500)", fmt::format("{:.1f}", median(total)),
                 fmt::format("{:.1f}", min(total))});
  std::cout << table.render();
  return 0;
}
