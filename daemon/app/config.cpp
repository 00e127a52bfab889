#include "app/config.h"

#include <glob.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/geo/gazetteer.h"

namespace brinkwatch::app {
namespace fs = std::filesystem;

namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void err(rules::Diagnostics& d, const std::string& file, const YAML::Node& n, const std::string& code,
         const std::string& msg) {
  d.error(code, file, n.Mark().line + 1, n.Mark().column + 1, msg);
}

void check_keys(rules::Diagnostics& d, const std::string& file, const YAML::Node& map,
                std::initializer_list<std::string_view> allowed, std::string_view what) {
  if (!map.IsMap()) {
    err(d, file, map, "wrong-type", fmt::format("{} must be a mapping", what));
    return;
  }
  for (const auto& kv : map) {
    const std::string key = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string list;
    for (auto a : allowed) list += fmt::format("{}{}", list.empty() ? "" : ", ", a);
    err(d, file, kv.first, "unknown-key",
        fmt::format("unknown key \"{}\" in {}; expected one of: {}", key, what, list));
  }
}

std::vector<std::string> strings(rules::Diagnostics& d, const std::string& file, const YAML::Node& n,
                                 std::string_view what) {
  std::vector<std::string> out;
  if (n.IsScalar()) return {n.Scalar()};
  if (!n.IsSequence()) {
    err(d, file, n, "wrong-type", fmt::format("{} must be a list of strings", what));
    return out;
  }
  for (const auto& item : n) {
    if (!item.IsScalar()) {
      err(d, file, item, "wrong-type", fmt::format("each entry of {} must be a string", what));
      continue;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

template <class T>
std::optional<T> number(rules::Diagnostics& d, const std::string& file, const YAML::Node& n,
                        std::string_view what, T lo, T hi) {
  try {
    const T v = n.as<T>();
    if (v < lo || v > hi) {
      err(d, file, n, "bad-value", fmt::format("{} must be between {} and {}", what, lo, hi));
      return std::nullopt;
    }
    return v;
  } catch (const YAML::Exception&) {
    err(d, file, n, "wrong-type", fmt::format("{} must be a number", what));
    return std::nullopt;
  }
}

}  // namespace

std::optional<std::string> resolve_inside(const Config& config, const std::string& relative,
                                          std::string& why) {
  const fs::path base = fs::weakly_canonical(config.dir);
  const fs::path p = fs::weakly_canonical(fs::path(relative).is_absolute() ? fs::path(relative)
                                                                           : base / relative);
  const auto rel = p.lexically_relative(base);
  if (rel.empty() || *rel.begin() == "..") {
    why = fmt::format("\"{}\" is outside the config folder {}; rule and gazetteer files must live inside it",
                      relative, base.string());
    return std::nullopt;
  }
  return p.string();
}

Config load_config(const std::string& path, rules::Diagnostics& diags) {
  Config c;
  c.path = path;
  c.dir = fs::path(path).parent_path().string();
  if (c.dir.empty()) c.dir = ".";
  const auto content = read_file(path);
  if (!content) {
    diags.error("cannot-read", path, 0, 0, "cannot read the config file");
    return c;
  }
  YAML::Node root;
  try {
    root = YAML::Load(*content);
  } catch (const YAML::Exception& e) {
    diags.error("yaml-syntax", path, e.mark.line + 1, e.mark.column + 1, e.msg);
    return c;
  }
  if (!root.IsMap()) {
    diags.error("wrong-type", path, 1, 1, "the config must be a mapping (detect:, input:, ...)");
    return c;
  }
  check_keys(diags, path, root, {"detect", "input"}, "the config");
  if (const auto d = root["detect"]) {
    check_keys(diags, path, d, {"rules", "gazetteer", "min_score", "max_evidence", "max_hits"}, "detect");
    if (d["rules"]) c.rule_globs = strings(diags, path, d["rules"], "detect.rules");
    if (d["gazetteer"]) c.gazetteer_files = strings(diags, path, d["gazetteer"], "detect.gazetteer");
    if (d["min_score"]) c.detect.min_score = number<double>(diags, path, d["min_score"], "detect.min_score", 0.0, 1.0).value_or(0.5);
    if (d["max_evidence"]) c.detect.max_evidence = number<size_t>(diags, path, d["max_evidence"], "detect.max_evidence", 1, 100).value_or(3);
    if (d["max_hits"]) c.detect.max_hits = number<size_t>(diags, path, d["max_hits"], "detect.max_hits", 100, 100000000).value_or(200000);
  } else {
    diags.error("missing-key", path, 1, 1, "the config needs a detect: section naming rules: and gazetteer:");
  }
  if (c.rule_globs.empty() && root["detect"]) {
    err(diags, path, root["detect"], "missing-key", "detect.rules must name at least one rules file");
  }
  if (const auto in = root["input"]) {
    check_keys(diags, path, in, {"max_message_bytes", "max_json_depth", "fields"}, "input");
    if (in["max_message_bytes"]) c.limits.max_bytes = number<size_t>(diags, path, in["max_message_bytes"], "input.max_message_bytes", 1024, size_t{1} << 30).value_or(c.limits.max_bytes);
    if (in["max_json_depth"]) c.limits.max_depth = number<size_t>(diags, path, in["max_json_depth"], "input.max_json_depth", 2, 1024).value_or(c.limits.max_depth);
    if (const auto f = in["fields"]) {
      check_keys(diags, path, f, {"id", "url", "source", "published_at", "lang", "title", "text", "html"}, "input.fields");
      auto set = [&](const char* key, std::vector<std::string>& dst) {
        if (f[key]) dst = strings(diags, path, f[key], fmt::format("input.fields.{}", key));
      };
      set("id", c.fields.id);
      set("url", c.fields.url);
      set("source", c.fields.source);
      set("published_at", c.fields.published_at);
      set("lang", c.fields.lang);
      set("title", c.fields.title);
      set("text", c.fields.text);
      set("html", c.fields.html);
    }
  }
  return c;
}

std::shared_ptr<const detect::Engine> load_engine(const Config& config, rules::Diagnostics& diags) {
  std::vector<rules::Source> rule_sources, geo_sources;
  auto read_into = [&](const std::string& file, std::vector<rules::Source>& dst) {
    auto content = read_file(file);
    if (!content) {
      diags.error("cannot-read", file, 0, 0, "cannot read the file");
      return;
    }
    // Diagnostics name files relative to the working directory, as the user typed them.
    dst.push_back({fs::path(file).lexically_relative(fs::current_path()).string(), std::move(*content)});
  };
  for (const auto& pattern : config.rule_globs) {
    std::string why;
    auto resolved = resolve_inside(config, pattern, why);
    if (!resolved) {
      diags.error("outside-config-dir", config.path, 0, 0, why);
      continue;
    }
    glob_t g{};
    const int rc = glob(resolved->c_str(), 0, nullptr, &g);
    if (rc != 0 || g.gl_pathc == 0) {
      diags.error("no-such-file", config.path, 0, 0, fmt::format("detect.rules: nothing matches \"{}\"", pattern));
    } else {
      std::vector<std::string> files(g.gl_pathv, g.gl_pathv + g.gl_pathc);
      std::sort(files.begin(), files.end());
      for (const auto& f : files) read_into(f, rule_sources);
    }
    globfree(&g);
  }
  for (const auto& file : config.gazetteer_files) {
    std::string why;
    auto resolved = resolve_inside(config, file, why);
    if (!resolved) {
      diags.error("outside-config-dir", config.path, 0, 0, why);
      continue;
    }
    read_into(*resolved, geo_sources);
  }
  if (diags.has_errors()) return nullptr;
  auto types = rules::default_types();
  auto book = rules::load_rules(rule_sources, types, diags);
  auto gaz = geo::load_gazetteer(geo_sources, diags);
  if (diags.has_errors()) return nullptr;
  return detect::Engine::build(std::move(book), std::move(gaz), std::move(types), diags);
}

}  // namespace brinkwatch::app
