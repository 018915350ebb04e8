#include <brigade/kitchen/hooks.hpp>
#include <brigade/util/glob.hpp>
#include <brigade/util/json_file.hpp>
#include <brigade/util/spellcheck.hpp>
#include <brigade/util/strings.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <sstream>

namespace brigade {

namespace fs = std::filesystem;

namespace {

constexpr std::array<HookType, 5> kTypes = {
    HookType::global_predeployhook, HookType::global_postdeployhook, HookType::predeployhook,
    HookType::postdeployhook, HookType::postbatchhook};
// The longest hook timeout, in seconds.
constexpr double kMaxHookTimeout = 30 * 24 * 3600;

const std::vector<std::string> kFields = {"name", "type", "filters", "exec", "timeout"};
constexpr HookFilter kFilters[] = {HookFilter::chef_environment, HookFilter::nodes,
                                   HookFilter::recipes, HookFilter::roles, HookFilter::tags};

std::vector<std::string> filter_names() {
  std::vector<std::string> names;
  for (HookFilter filter : kFilters) {
    names.push_back(hook_filter_name(filter));
  }
  return names;
}

std::vector<std::string> type_names() {
  std::vector<std::string> names;
  for (HookType type : kTypes) {
    names.push_back(hook_type_name(type));
  }
  return names;
}

// Validates one hook object at `where`; problems are appended to `problems`.

// An exec string with spaces is almost always a command line written for a shell, which hooks
// do not go through: the hint shows it as the list that runs it.
std::string list_form_hint(const nlohmann::json& exec) {
  if (!exec.is_string()) {
    return {};
  }
  std::istringstream words(exec.get<std::string>());
  std::vector<std::string> quoted;
  for (std::string word; words >> word;) {
    quoted.push_back(
        nlohmann::json(word).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  if (quoted.size() < 2) {
    return {};
  }
  return "exec runs one program, not a shell command line: for arguments write it as a list, [" +
         join(quoted, ", ") + "]";
}

std::optional<Hook> read_hook(const JsonFile& file, const JsonPath& where, std::size_t position,
                              const fs::path& hooks_dir, std::vector<Diagnostic>& problems) {
  const nlohmann::json* value = &file.value;
  for (const auto& step : where) {
    value = &(*value)[std::get<std::size_t>(step)];
  }
  if (!value->is_object()) {
    problems.push_back(file.error_at(where, "expected a hook object, got " + json_kind(*value)));
    return std::nullopt;
  }
  auto at = [&](const std::string& key) {
    JsonPath path = where;
    path.emplace_back(key);
    return path;
  };
  const std::size_t before = problems.size();
  Hook hook;
  hook.file = file.path;
  hook.position = position;
  for (const auto& [key, _] : value->items()) {
    if (std::find(kFields.begin(), kFields.end(), key) == kFields.end()) {
      problems.push_back(file.error_at(at(key), "unknown field '" + key + "'",
                                       did_you_mean(closest_matches(key, kFields, 1)), true));
    }
  }
  // name
  if (auto it = value->find("name"); it == value->end()) {
    problems.push_back(file.error_at(where, "missing field 'name'"));
  } else if (!it->is_string() || it->get<std::string>().empty()) {
    problems.push_back(
        file.error_at(at("name"), "expected a non-empty string, got " + json_kind(*it)));
  } else {
    hook.name = it->get<std::string>();
  }
  // type
  if (auto it = value->find("type"); it == value->end()) {
    problems.push_back(file.error_at(where, "missing field 'type'"));
  } else if (!it->is_string()) {
    problems.push_back(file.error_at(at("type"), "expected a string, got " + json_kind(*it)));
  } else {
    const std::string type = it->get<std::string>();
    auto known = std::find_if(kTypes.begin(), kTypes.end(),
                              [&](HookType t) { return type == hook_type_name(t); });
    if (known == kTypes.end()) {
      problems.push_back(file.error_at(at("type"), "unknown hook type '" + type + "'",
                                       did_you_mean(closest_matches(type, type_names(), 1))));
    } else {
      hook.type = *known;
    }
  }
  // filters
  if (auto it = value->find("filters"); it != value->end()) {
    if (!it->is_object()) {
      problems.push_back(file.error_at(at("filters"), "expected an object, got " + json_kind(*it)));
    } else {
      for (const auto& [key, patterns] : it->items()) {
        JsonPath key_path = at("filters");
        key_path.emplace_back(key);
        const auto* filter = std::find_if(std::begin(kFilters), std::end(kFilters),
                                          [&](HookFilter f) { return key == hook_filter_name(f); });
        if (filter == std::end(kFilters)) {
          problems.push_back(file.error_at(key_path, "unknown filter '" + key + "'",
                                           did_you_mean(closest_matches(key, filter_names(), 1)),
                                           true));
          continue;
        }
        if (!patterns.is_array() ||
            !std::all_of(patterns.begin(), patterns.end(),
                         [](const nlohmann::json& p) { return p.is_string(); })) {
          problems.push_back(file.error_at(
              key_path, "expected an array of glob patterns, got " + json_kind(patterns)));
          continue;
        }
        hook.filters[*filter] = patterns.get<std::vector<std::string>>();
      }
    }
  }
  // exec: a path or [path, fixed arguments…]; relative paths are in hooks/
  if (auto it = value->find("exec"); it == value->end()) {
    problems.push_back(file.error_at(where, "missing field 'exec'"));
  } else if (it->is_string() && !it->get<std::string>().empty()) {
    hook.exec = {it->get<std::string>()};
  } else if (it->is_array() && !it->empty() &&
             std::all_of(it->begin(), it->end(),
                         [](const nlohmann::json& w) { return w.is_string(); }) &&
             !(*it)[0].get<std::string>().empty()) {
    hook.exec = it->get<std::vector<std::string>>();
  } else {
    problems.push_back(file.error_at(at("exec"),
                                     "expected an executable or a list of the "
                                     "executable and its arguments, got " +
                                         json_kind(*it)));
  }
  if (!hook.exec.empty()) {
    fs::path program(hook.exec.front());
    if (program.is_relative()) {
      program = hooks_dir / program;
    }
    hook.exec.front() = program.lexically_normal().string();
    std::error_code ec;
    if (!fs::exists(program, ec)) {
      problems.push_back(file.error_at(at("exec"),
                                       "no such executable: " + display_path(program.string()),
                                       list_form_hint(*value->find("exec"))));
    } else if (fs::is_directory(program, ec) || ::access(program.c_str(), X_OK) != 0) {
      problems.push_back(file.error_at(at("exec"),
                                       "not executable: " + display_path(program.string()),
                                       "make it so with chmod +x"));
    }
  }
  // timeout
  if (auto it = value->find("timeout"); it != value->end()) {
    if (!it->is_number() || it->get<double>() <= 0) {
      problems.push_back(file.error_at(
          at("timeout"), "expected a positive number of seconds, got " + json_kind(*it)));
    } else if (it->get<double>() > kMaxHookTimeout) {
      // Larger values would overflow the clock and time out at once.
      problems.push_back(
          file.error_at(at("timeout"), fmt::format("expected at most {} seconds (30 days), got {}",
                                                   kMaxHookTimeout, it->dump())));
    } else {
      hook.timeout = std::chrono::seconds(static_cast<long long>(std::ceil(it->get<double>())));
    }
  }
  if (problems.size() != before) {
    return std::nullopt;
  }
  return hook;
}

}  // namespace

const char* hook_type_name(HookType type) {
  switch (type) {
    case HookType::global_predeployhook:
      return "global_predeployhook";
    case HookType::global_postdeployhook:
      return "global_postdeployhook";
    case HookType::predeployhook:
      return "predeployhook";
    case HookType::postdeployhook:
      return "postdeployhook";
    case HookType::postbatchhook:
      return "postbatchhook";
  }
  return "unknown";
}

const char* hook_kind(HookType type) {
  switch (type) {
    case HookType::global_predeployhook:
      return "global pre hook";
    case HookType::global_postdeployhook:
      return "global post hook";
    case HookType::predeployhook:
      return "pre hook";
    case HookType::postdeployhook:
      return "post hook";
    case HookType::postbatchhook:
      return "batch gate";
  }
  return "hook";
}

const char* hook_filter_name(HookFilter filter) {
  switch (filter) {
    case HookFilter::chef_environment:
      return "chef_environment";
    case HookFilter::nodes:
      return "nodes";
    case HookFilter::recipes:
      return "recipes";
    case HookFilter::roles:
      return "roles";
    case HookFilter::tags:
      return "tags";
  }
  return "unknown";
}

namespace {

bool filter_matches(HookFilter filter, const std::vector<std::string>& patterns, const Node& node) {
  switch (filter) {
    case HookFilter::chef_environment:
      return any_glob_matches(patterns, {node.chef_environment});
    case HookFilter::nodes:
      return any_glob_matches(patterns, {node.name});
    case HookFilter::recipes: {
      std::vector<std::string> normalized;
      for (const auto& pattern : patterns) {
        normalized.push_back(normalize_recipe(pattern));
      }
      return any_glob_matches(normalized, node.recipes);
    }
    case HookFilter::roles:
      return any_glob_matches(patterns, node.roles);
    case HookFilter::tags:
      return any_glob_matches(patterns, node.tags);
  }
  return false;
}

}  // namespace

bool Hook::matches(const Node& node) const {
  return std::all_of(filters.begin(), filters.end(), [&](const auto& filter) {
    return filter_matches(filter.first, filter.second, node);
  });
}

Result<std::vector<Hook>> load_hooks(const fs::path& root, std::vector<Diagnostic>* warnings) {
  const fs::path dir = root / "hooks";
  // Relative execs are resolved against an absolute hooks/: hooks run with the kitchen as
  // working directory, wherever Brigade was started and however -k was written.
  std::error_code absolute_error;
  const fs::path exec_dir = fs::absolute(dir, absolute_error).lexically_normal();
  std::vector<Hook> hooks;
  std::vector<Diagnostic> problems;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return hooks;
  }
  auto listed = json_files_in(dir, /*recursive=*/false);
  if (!listed) {
    return listed.error();
  }
  const std::vector<fs::path>& files = *listed;
  std::map<std::string, std::string> defined_at;  // name → "file:line"
  for (const auto& path : files) {
    auto file = read_json_file(path);
    if (!file) {
      problems.push_back(file.error());
      continue;
    }
    if (warnings != nullptr) {
      warnings->insert(warnings->end(), file->warnings.begin(), file->warnings.end());
    }
    std::vector<JsonPath> objects;
    if (file->value.is_array()) {
      for (std::size_t i = 0; i < file->value.size(); ++i) {
        objects.push_back({i});
      }
    } else {
      objects.push_back({});
    }
    for (std::size_t i = 0; i < objects.size(); ++i) {
      auto hook = read_hook(*file, objects[i], i, absolute_error ? dir : exec_dir, problems);
      if (!hook) {
        continue;
      }
      JsonPath name_path = objects[i];
      name_path.emplace_back(std::string("name"));
      Diagnostic place = file->error_at(name_path, "");
      const std::string where = place.file + ":" + std::to_string(place.line);
      if (auto [it, fresh] = defined_at.emplace(hook->name, where); !fresh) {
        problems.push_back(file->error_at(
            name_path, "duplicate hook name '" + hook->name + "', first defined at " + it->second));
        continue;
      }
      hooks.push_back(std::move(*hook));
    }
  }
  if (!problems.empty()) {
    Diagnostic first = problems.front();
    first.also.assign(problems.begin() + 1, problems.end());
    return first;
  }
  return hooks;
}

}  // namespace brigade
