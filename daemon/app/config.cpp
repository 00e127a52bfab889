#include "app/config.h"

#include <glob.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
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
  // Only --set creates nodes without a place in the file (fuzz_config found the blame going to
  // the file, at line 0).
  if (n.Mark().is_null()) {
    d.error(code, "--set", 0, 0, msg);
    return;
  }
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
    if (!(v >= lo && v <= hi)) {  // written so that .nan fails too
      err(d, file, n, "bad-value", fmt::format("{} must be between {} and {}", what, lo, hi));
      return std::nullopt;
    }
    return v;
  } catch (const YAML::Exception&) {
    err(d, file, n, "wrong-type", fmt::format("{} must be a number", what));
    return std::nullopt;
  }
}

// librdkafka takes every value as a string; YAML 1.1 spellings of booleans become true/false.
std::optional<std::string> property_value(rules::Diagnostics& d, const std::string& file, const YAML::Node& n,
                                          const std::string& key) {
  if (!n.IsScalar() || (n.Tag() != "!" && n.Scalar().empty())) {
    err(d, file, n, "wrong-type",
        fmt::format("kafka.{} must be a string, number or boolean (librdkafka property)", key));
    return std::nullopt;
  }
  std::string v = n.Scalar();
  if (n.Tag() != "!") {  // unquoted
    static const std::initializer_list<std::string_view> yes{"yes", "Yes", "YES", "on", "On", "ON", "True", "TRUE"};
    static const std::initializer_list<std::string_view> no{"no", "No", "NO", "off", "Off", "OFF", "False", "FALSE"};
    if (std::find(yes.begin(), yes.end(), v) != yes.end()) v = "true";
    if (std::find(no.begin(), no.end(), v) != no.end()) v = "false";
  }
  return v;
}

std::string scalar_string(rules::Diagnostics& d, const std::string& file, const YAML::Node& n, std::string_view what,
                          const std::string& fallback) {
  if (!n.IsScalar() || n.Scalar().empty()) {
    err(d, file, n, "wrong-type", fmt::format("{} must be a non-empty string", what));
    return fallback;
  }
  return n.Scalar();
}

// Kafka topic names: 1-249 of [a-zA-Z0-9._-].
bool valid_topic(const std::string& t) {
  if (t.empty() || t.size() > 249 || t == "." || t == "..") return false;
  return std::all_of(t.begin(), t.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-';
  });
}

// Durations: a number and a unit, "90s", "10m", "6h", "30d" (or plain milliseconds).
std::optional<int64_t> duration(rules::Diagnostics& d, const std::string& file, const YAML::Node& n, std::string_view what,
                                int64_t lo_ms, int64_t hi_ms) {
  if (!n.IsScalar()) {
    err(d, file, n, "wrong-type", fmt::format("{} must be a duration such as 90s, 10m, 6h or 30d", what));
    return std::nullopt;
  }
  const std::string& v = n.Scalar();
  size_t digits = 0;
  while (digits < v.size() && std::isdigit(static_cast<unsigned char>(v[digits]))) ++digits;
  const std::string unit = v.substr(digits);
  int64_t scale = 0;
  if (unit == "ms" || unit.empty()) scale = 1;
  if (unit == "s") scale = 1000;
  if (unit == "m") scale = 60 * 1000;
  if (unit == "h") scale = 3600 * 1000;
  if (unit == "d") scale = 24 * 3600 * 1000LL;
  if (digits == 0 || digits > 12 || scale == 0) {
    err(d, file, n, "bad-value", fmt::format("{}: \"{}\" is not a duration; write a number and a unit: 90s, 10m, 6h, 30d", what, v));
    return std::nullopt;
  }
  // Up to 12 digits times a day's milliseconds overflows int64: compare before multiplying.
  const int64_t count = std::stoll(v.substr(0, digits));
  if (count > hi_ms / scale || count * scale < lo_ms) {
    err(d, file, n, "bad-value", fmt::format("{} must be between {} ms and {} ms", what, lo_ms, hi_ms));
    return std::nullopt;
  }
  return count * scale;
}

constexpr int64_t kDay = 24 * 3600 * 1000LL;

void read_threshold(rules::Diagnostics& d, const std::string& file, const YAML::Node& n, const std::string& what,
                    aggregate::Threshold& t) {
  check_keys(d, file, n, {"index", "anomaly"}, what);
  if (!n.IsMap()) return;
  if (n["index"]) t.index = number<double>(d, file, n["index"], what + ".index", 0.0, 1e6).value_or(t.index);
  if (n["anomaly"]) t.anomaly = number<double>(d, file, n["anomaly"], what + ".anomaly", -1e6, 1e6).value_or(t.anomaly);
}

// Levels of one policy; what is not given keeps the value of `p` (the default policy's).
void read_policy(rules::Diagnostics& d, const std::string& file, const YAML::Node& n, const std::string& what,
                 aggregate::Policy& p, bool is_override) {
  if (is_override) {
    check_keys(d, file, n, {"name", "regions", "watch", "warning", "critical", "exit_ratio", "cooldown"}, what);
  } else {
    check_keys(d, file, n, {"watch", "warning", "critical", "exit_ratio", "cooldown"}, what);
  }
  if (!n.IsMap()) return;
  if (n["watch"]) read_threshold(d, file, n["watch"], what + ".watch", p.watch);
  if (n["warning"]) read_threshold(d, file, n["warning"], what + ".warning", p.warning);
  if (n["critical"]) read_threshold(d, file, n["critical"], what + ".critical", p.critical);
  if (n["exit_ratio"]) p.exit_ratio = number<double>(d, file, n["exit_ratio"], what + ".exit_ratio", 0.0, 1.0).value_or(p.exit_ratio);
  if (n["cooldown"]) p.cooldown_ms = duration(d, file, n["cooldown"], what + ".cooldown", 0, 30 * kDay).value_or(p.cooldown_ms);
  if (!(p.watch.index <= p.warning.index && p.warning.index <= p.critical.index)) {
    err(d, file, n, "bad-value", fmt::format("{}: the index thresholds must rise from watch to warning to critical", what));
  }
}

void read_aggregate(rules::Diagnostics& d, const std::string& file, const YAML::Node& a, Config& c) {
  check_keys(d, file, a,
             {"group", "idle_ms", "tick_lag", "windows", "alert_window", "weights", "baseline", "dedup", "evaluate_every",
              "max_stories", "evidence", "levels", "policies"},
             "aggregate");
  if (!a.IsMap()) return;
  auto o = std::make_shared<aggregate::Options>(*c.aggregate);
  if (a["group"]) c.aggregate_group = scalar_string(d, file, a["group"], "aggregate.group", c.aggregate_group);
  if (a["idle_ms"]) c.aggregate_idle_ms = number<int64_t>(d, file, a["idle_ms"], "aggregate.idle_ms", 10, 3600000).value_or(c.aggregate_idle_ms);
  if (a["tick_lag"]) c.aggregate_tick_lag_ms = duration(d, file, a["tick_lag"], "aggregate.tick_lag", 0, kDay).value_or(c.aggregate_tick_lag_ms);
  if (const auto w = a["windows"]) {
    if (!w.IsSequence() || w.size() == 0) {
      err(d, file, w, "wrong-type", "aggregate.windows must be a list of durations, e.g. [6h, 24h, 3d, 7d]");
    } else {
      o->windows.clear();
      for (const auto& item : w) {
        if (auto ms = duration(d, file, item, "aggregate.windows", 60 * 1000, 365 * kDay)) {
          o->windows.push_back({item.Scalar(), *ms});
        }
      }
    }
  }
  if (a["alert_window"]) o->alert_window = scalar_string(d, file, a["alert_window"], "aggregate.alert_window", o->alert_window);
  if (std::none_of(o->windows.begin(), o->windows.end(), [&](const auto& w) { return w.name == o->alert_window; })) {
    std::string names;
    for (const auto& w : o->windows) names += (names.empty() ? "" : ", ") + w.name;
    err(d, file, a["alert_window"] ? a["alert_window"] : a, "bad-value",
        fmt::format("aggregate.alert_window \"{}\" is not one of aggregate.windows ({})", o->alert_window, names));
  }
  if (const auto w = a["weights"]) {
    if (!w.IsMap()) {
      err(d, file, w, "wrong-type", "aggregate.weights must map signal types to numbers");
    } else {
      for (const auto& kv : w) {
        const std::string type = kv.first.Scalar();
        if (auto v = number<double>(d, file, kv.second, "aggregate.weights." + type, -100.0, 100.0)) o->type_weights[type] = *v;
      }
    }
  }
  if (const auto b = a["baseline"]) {
    check_keys(d, file, b, {"window", "sample_every", "lag", "min_stddev"}, "aggregate.baseline");
    if (b.IsMap()) {
      if (b["window"]) o->baseline_ms = duration(d, file, b["window"], "aggregate.baseline.window", 3600 * 1000, 365 * kDay).value_or(o->baseline_ms);
      if (b["sample_every"]) o->baseline_sample_ms = duration(d, file, b["sample_every"], "aggregate.baseline.sample_every", 60 * 1000, kDay).value_or(o->baseline_sample_ms);
      if (b["lag"]) o->baseline_lag_ms = duration(d, file, b["lag"], "aggregate.baseline.lag", 0, 90 * kDay).value_or(o->baseline_lag_ms);
      if (b["min_stddev"]) o->min_stddev = number<double>(d, file, b["min_stddev"], "aggregate.baseline.min_stddev", 0.01, 1e6).value_or(o->min_stddev);
    }
  }
  if (const auto x = a["dedup"]) {
    check_keys(d, file, x, {"min_similarity", "window", "source_boost", "max_source_factor"}, "aggregate.dedup");
    if (x.IsMap()) {
      if (x["min_similarity"]) o->min_similarity = number<double>(d, file, x["min_similarity"], "aggregate.dedup.min_similarity", 0.0, 1.0).value_or(o->min_similarity);
      if (x["window"]) o->dedup_window_ms = duration(d, file, x["window"], "aggregate.dedup.window", 0, 30 * kDay).value_or(o->dedup_window_ms);
      if (x["source_boost"]) o->source_boost = number<double>(d, file, x["source_boost"], "aggregate.dedup.source_boost", 0.0, 10.0).value_or(o->source_boost);
      if (x["max_source_factor"]) o->max_source_factor = number<double>(d, file, x["max_source_factor"], "aggregate.dedup.max_source_factor", 1.0, 100.0).value_or(o->max_source_factor);
    }
  }
  if (a["evaluate_every"]) o->evaluate_every_ms = duration(d, file, a["evaluate_every"], "aggregate.evaluate_every", 1000, kDay).value_or(o->evaluate_every_ms);
  if (a["max_stories"]) o->max_stories = number<size_t>(d, file, a["max_stories"], "aggregate.max_stories", 1, 100000).value_or(o->max_stories);
  if (a["evidence"]) o->evidence = number<size_t>(d, file, a["evidence"], "aggregate.evidence", 0, 100).value_or(o->evidence);
  if (a["levels"]) read_policy(d, file, a["levels"], "aggregate.levels", o->default_policy, false);
  if (const auto ps = a["policies"]) {
    if (!ps.IsSequence()) {
      err(d, file, ps, "wrong-type", "aggregate.policies must be a list of {name, regions, levels...}");
    } else {
      for (size_t i = 0; i < ps.size(); ++i) {
        const auto& pn = ps[i];
        const std::string what = fmt::format("aggregate.policies[{}]", i);
        aggregate::PolicyOverride ov;
        ov.policy = o->default_policy;
        read_policy(d, file, pn, what, ov.policy, true);
        if (!pn.IsMap()) continue;
        if (pn["name"]) ov.policy.name = scalar_string(d, file, pn["name"], what + ".name", "");
        if (!pn["name"] || !pn["regions"]) {
          err(d, file, pn, "missing-key", fmt::format("{} needs name: and regions:", what));
          continue;
        }
        ov.regions = strings(d, file, pn["regions"], what + ".regions");
        for (const auto& r : ov.regions) {
          const bool ok = r.rfind("country:", 0) == 0 || r.rfind("m49:", 0) == 0 || r.rfind("theatre:", 0) == 0;
          if (!ok) {
            err(d, file, pn["regions"], "bad-value",
                fmt::format("{}.regions: \"{}\" is not a region key (country:XX, m49:<sub-region>, theatre:<id>; a trailing * matches a prefix)", what, r));
          }
        }
        o->overrides.push_back(std::move(ov));
      }
    }
  }
  if (o->default_policy.cooldown_ms < o->evaluate_every_ms) {
    err(d, file, a, "bad-value", "aggregate.levels.cooldown must be at least aggregate.evaluate_every (alert ids are unique per evaluation interval)");
  }
  for (const auto& ov : o->overrides) {
    if (ov.policy.cooldown_ms < o->evaluate_every_ms) {
      err(d, file, a, "bad-value", fmt::format("aggregate.policies \"{}\": cooldown must be at least aggregate.evaluate_every", ov.policy.name));
    }
  }
  c.aggregate = std::move(o);
}

// http: enabled (boolean) and listen (HOST:PORT, [IPv6]:PORT).
void read_http(rules::Diagnostics& d, const std::string& file, const YAML::Node& h, Http& http) {
  check_keys(d, file, h, {"enabled", "listen"}, "http");
  if (!h.IsMap()) return;
  if (const auto e = h["enabled"]) {
    try {
      http.enabled = e.as<bool>();
    } catch (const YAML::Exception&) {
      err(d, file, e, "wrong-type", "http.enabled must be true or false");
    }
  }
  if (const auto l = h["listen"]) {
    const std::string v = l.IsScalar() ? l.Scalar() : std::string();
    const auto colon = v.rfind(':');
    std::string host = colon == std::string::npos ? std::string() : v.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    const std::string port = colon == std::string::npos ? std::string() : v.substr(colon + 1);
    const bool digits = !port.empty() && port.size() <= 5 &&
                        std::all_of(port.begin(), port.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); });
    const int n = digits ? std::stoi(port) : 0;
    if (host.empty() || n < 1 || n > 65535) {
      err(d, file, l, "bad-value",
          fmt::format("http.listen: \"{}\" is not HOST:PORT with a port from 1 to 65535, e.g. 127.0.0.1:9464 "
                      "(http.enabled: false turns the endpoint off)", v));
    } else {
      http.host = host;
      http.port = n;
    }
  }
}

// log: format (text | json) and level.
void read_log(rules::Diagnostics& d, const std::string& file, const YAML::Node& l, Logging& log) {
  check_keys(d, file, l, {"format", "level"}, "log");
  if (!l.IsMap()) return;
  if (const auto f = l["format"]) {
    const std::string v = scalar_string(d, file, f, "log.format", "text");
    if (v != "text" && v != "json") {
      err(d, file, f, "bad-value", fmt::format("log.format: \"{}\" must be text or json", v));
    }
    log.json = v == "json";
  }
  if (const auto v = l["level"]) {
    log.level = scalar_string(d, file, v, "log.level", log.level);
    if (log.level != "debug" && log.level != "info" && log.level != "warn" && log.level != "error") {
      err(d, file, v, "bad-value", fmt::format("log.level: \"{}\" must be debug, info, warn or error", log.level));
      log.level = "info";
    }
  }
}

// reload: watch (boolean) and interval (duration).
void read_reload(rules::Diagnostics& d, const std::string& file, const YAML::Node& r, ReloadSettings& reload) {
  check_keys(d, file, r, {"watch", "interval"}, "reload");
  if (!r.IsMap()) return;
  if (const auto w = r["watch"]) {
    try {
      reload.watch = w.as<bool>();
    } catch (const YAML::Exception&) {
      err(d, file, w, "wrong-type", "reload.watch must be true or false");
    }
  }
  if (r["interval"]) reload.interval_ms = duration(d, file, r["interval"], "reload.interval", 100, kDay).value_or(reload.interval_ms);
}

void apply_override(YAML::Node& root, const Override& o, rules::Diagnostics& d) {
  const auto dot = o.path.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == o.path.size()) {
    d.error("bad-override", "--set", 0, 0,
            fmt::format("\"{}\": expected SECTION.KEY=VALUE, e.g. kafka.bootstrap.servers=HOST:PORT", o.path));
    return;
  }
  const std::string section = o.path.substr(0, dot);
  std::vector<std::string> keys;
  if (section == "kafka") {
    keys.push_back(o.path.substr(dot + 1));
  } else {
    std::string rest = o.path.substr(dot + 1);
    size_t start = 0;
    for (size_t i = 0; i <= rest.size(); ++i) {
      if (i == rest.size() || rest[i] == '.') {
        keys.push_back(rest.substr(start, i - start));
        start = i + 1;
      }
    }
  }
  if (!root[section] || !root[section].IsMap()) root[section] = YAML::Node(YAML::NodeType::Map);
  YAML::Node node = root[section];
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    if (!node[keys[i]] || !node[keys[i]].IsMap()) node[keys[i]] = YAML::Node(YAML::NodeType::Map);
    node.reset(node[keys[i]]);
  }
  node[keys.back()] = o.value;
}

}  // namespace

bool is_secret_property(std::string_view key) {
  static const std::initializer_list<std::string_view> exact{"sasl.password", "ssl.key.password", "ssl.key.pem",
                                                             "ssl_key", "ssl.keystore.password",
                                                             "sasl.oauthbearer.client.secret"};
  if (std::find(exact.begin(), exact.end(), key) != exact.end()) return true;
  return key.find("password") != std::string_view::npos || key.find("secret") != std::string_view::npos;
}

std::string printable_property(std::string_view key, std::string_view value) {
  return is_secret_property(key) ? std::string("[redacted]") : std::string(value);
}

namespace {

std::string duration_text(int64_t ms) {
  constexpr int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute;
  if (ms > 0 && ms % kDay == 0) return fmt::format("{}d", ms / kDay);
  if (ms > 0 && ms % kHour == 0) return fmt::format("{}h", ms / kHour);
  if (ms > 0 && ms % kMinute == 0) return fmt::format("{}m", ms / kMinute);
  if (ms > 0 && ms % kSecond == 0) return fmt::format("{}s", ms / kSecond);
  return fmt::format("{}ms", ms);
}

void emit_strings(YAML::Emitter& y, const char* key, const std::vector<std::string>& v) {
  y << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& s : v) y << s;
  y << YAML::EndSeq;
}

void emit_levels(YAML::Emitter& y, const aggregate::Policy& p) {
  for (const auto& [name, t] : {std::pair{"watch", p.watch}, {"warning", p.warning}, {"critical", p.critical}}) {
    y << YAML::Key << name << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "index" << YAML::Value
      << t.index << YAML::Key << "anomaly" << YAML::Value << t.anomaly << YAML::EndMap;
  }
  y << YAML::Key << "exit_ratio" << YAML::Value << p.exit_ratio;
  y << YAML::Key << "cooldown" << YAML::Value << duration_text(p.cooldown_ms);
}

}  // namespace

std::string effective_config_yaml(const Config& c) {
  YAML::Emitter y;
  y << YAML::BeginMap;
  y << YAML::Key << "detect" << YAML::Value << YAML::BeginMap;
  emit_strings(y, "rules", c.rule_globs);
  emit_strings(y, "gazetteer", c.gazetteer_files);
  y << YAML::Key << "min_score" << YAML::Value << c.detect.min_score;
  y << YAML::Key << "max_evidence" << YAML::Value << c.detect.max_evidence;
  y << YAML::Key << "max_hits" << YAML::Value << c.detect.max_hits << YAML::EndMap;
  y << YAML::Key << "input" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "max_message_bytes" << YAML::Value << c.limits.max_bytes;
  y << YAML::Key << "max_json_depth" << YAML::Value << c.limits.max_depth;
  y << YAML::Key << "fields" << YAML::Value << YAML::BeginMap;
  emit_strings(y, "id", c.fields.id);
  emit_strings(y, "url", c.fields.url);
  emit_strings(y, "source", c.fields.source);
  emit_strings(y, "published_at", c.fields.published_at);
  emit_strings(y, "lang", c.fields.lang);
  emit_strings(y, "title", c.fields.title);
  emit_strings(y, "text", c.fields.text);
  emit_strings(y, "html", c.fields.html);
  y << YAML::EndMap << YAML::EndMap;
  y << YAML::Key << "kafka" << YAML::Value << YAML::BeginMap;
  for (const auto& p : c.kafka) y << YAML::Key << p.key << YAML::Value << printable_property(p.key, p.value);
  y << YAML::EndMap;
  y << YAML::Key << "topics" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "articles" << YAML::Value << c.topics.articles;
  y << YAML::Key << "signals" << YAML::Value << c.topics.signals;
  y << YAML::Key << "dead_letter" << YAML::Value << c.topics.dead_letter;
  y << YAML::Key << "alerts" << YAML::Value << c.topics.alerts;
  y << YAML::Key << "changelog" << YAML::Value << c.topics.changelog << YAML::EndMap;
  y << YAML::Key << "group" << YAML::Value << c.group;
  y << YAML::Key << "limits" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "max_in_flight_per_partition" << YAML::Value << c.run_limits.max_in_flight_per_partition;
  y << YAML::Key << "workers" << YAML::Value << c.run_limits.workers;
  y << YAML::Key << "shutdown_deadline_ms" << YAML::Value << c.run_limits.shutdown_deadline_ms << YAML::EndMap;
  const aggregate::Options& o = *c.aggregate;
  y << YAML::Key << "aggregate" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "group" << YAML::Value << c.aggregate_group;
  y << YAML::Key << "idle_ms" << YAML::Value << c.aggregate_idle_ms;
  y << YAML::Key << "tick_lag" << YAML::Value << duration_text(c.aggregate_tick_lag_ms);
  y << YAML::Key << "windows" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& w : o.windows) y << w.name;  // as written: alert_window and alerts name them
  y << YAML::EndSeq;
  y << YAML::Key << "alert_window" << YAML::Value << o.alert_window;
  y << YAML::Key << "weights" << YAML::Value << YAML::BeginMap;
  for (const auto& [type, w] : o.type_weights) y << YAML::Key << type << YAML::Value << w;
  y << YAML::EndMap;
  y << YAML::Key << "baseline" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "window" << YAML::Value << duration_text(o.baseline_ms);
  y << YAML::Key << "sample_every" << YAML::Value << duration_text(o.baseline_sample_ms);
  y << YAML::Key << "lag" << YAML::Value << duration_text(o.baseline_lag_ms);
  y << YAML::Key << "min_stddev" << YAML::Value << o.min_stddev << YAML::EndMap;
  y << YAML::Key << "dedup" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "min_similarity" << YAML::Value << o.min_similarity;
  y << YAML::Key << "window" << YAML::Value << duration_text(o.dedup_window_ms);
  y << YAML::Key << "source_boost" << YAML::Value << o.source_boost;
  y << YAML::Key << "max_source_factor" << YAML::Value << o.max_source_factor << YAML::EndMap;
  y << YAML::Key << "evaluate_every" << YAML::Value << duration_text(o.evaluate_every_ms);
  y << YAML::Key << "max_stories" << YAML::Value << o.max_stories;
  y << YAML::Key << "evidence" << YAML::Value << o.evidence;
  y << YAML::Key << "levels" << YAML::Value << YAML::BeginMap;
  emit_levels(y, o.default_policy);
  y << YAML::EndMap;
  y << YAML::Key << "policies" << YAML::Value << YAML::BeginSeq;
  for (const auto& ov : o.overrides) {
    y << YAML::BeginMap << YAML::Key << "name" << YAML::Value << ov.policy.name;
    emit_strings(y, "regions", ov.regions);
    emit_levels(y, ov.policy);
    y << YAML::EndMap;
  }
  y << YAML::EndSeq << YAML::EndMap;
  y << YAML::Key << "embedded" << YAML::Value << YAML::BeginMap << YAML::Key << "partitions" << YAML::Value
    << c.embedded.partitions << YAML::Key << "brokers" << YAML::Value << c.embedded.brokers << YAML::EndMap;
  const bool v6 = c.http.host.find(':') != std::string::npos;
  y << YAML::Key << "http" << YAML::Value << YAML::BeginMap << YAML::Key << "enabled" << YAML::Value << c.http.enabled
    << YAML::Key << "listen" << YAML::Value
    << fmt::format("{}{}{}:{}", v6 ? "[" : "", c.http.host, v6 ? "]" : "", c.http.port) << YAML::EndMap;
  y << YAML::Key << "log" << YAML::Value << YAML::BeginMap << YAML::Key << "format" << YAML::Value
    << (c.log.json ? "json" : "text") << YAML::Key << "level" << YAML::Value << c.log.level << YAML::EndMap;
  y << YAML::Key << "reload" << YAML::Value << YAML::BeginMap << YAML::Key << "watch" << YAML::Value << c.reload.watch
    << YAML::Key << "interval" << YAML::Value << duration_text(c.reload.interval_ms) << YAML::EndMap;
  y << YAML::EndMap;
  return std::string(y.c_str()) + "\n";
}

const KafkaProperty* Config::kafka_property(std::string_view key) const {
  const KafkaProperty* found = nullptr;
  for (const auto& p : kafka) {
    if (p.key == key) found = &p;  // the last one written wins, as librdkafka would apply them
  }
  return found;
}

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

Config load_config(const std::string& path, rules::Diagnostics& diags, const std::vector<Override>& overrides) {
  const auto content = read_file(path);
  if (!content) {
    Config c;
    c.path = path;
    c.dir = fs::path(path).parent_path().string();
    if (c.dir.empty()) c.dir = ".";
    diags.error("cannot-read", path, 0, 0, "cannot read the config file");
    return c;
  }
  return load_config_text(path, *content, diags, overrides);
}

namespace {

void read_config(const std::string& path, YAML::Node& root, rules::Diagnostics& diags, Config& c);

}  // namespace

Config load_config_text(const std::string& path, std::string_view content, rules::Diagnostics& diags,
                        const std::vector<Override>& overrides) {
  Config c;
  c.path = path;
  c.dir = fs::path(path).parent_path().string();
  if (c.dir.empty()) c.dir = ".";
  YAML::Node root;
  try {
    root = YAML::Load(std::string(content));
  } catch (const YAML::Exception& e) {
    diags.error("yaml-syntax", path, e.mark.line + 1, e.mark.column + 1, e.msg);
    return c;
  }
  if (!root.IsMap()) {
    diags.error("wrong-type", path, 1, 1, "the config must be a mapping (detect:, input:, ...)");
    return c;
  }
  try {
    for (const auto& o : overrides) apply_override(root, o, diags);
    read_config(path, root, diags, c);
  } catch (const YAML::Exception& e) {
    // Every section checks its node types before reading it; this is the net under a check
    // that was missed (fuzz_config), so a config problem is still a diagnostic, never a crash.
    diags.error("wrong-type", path, e.mark.line + 1, e.mark.column + 1, e.msg);
  }
  return c;
}

namespace {

void read_config(const std::string& path, YAML::Node& root, rules::Diagnostics& diags, Config& c) {
  check_keys(diags, path, root,
             {"detect", "input", "kafka", "topics", "group", "limits", "embedded", "aggregate", "http", "log", "reload"},
             "the config");
  if (const auto d = root["detect"]) {
    check_keys(diags, path, d, {"rules", "gazetteer", "min_score", "max_evidence", "max_hits"}, "detect");
    // check_keys reported a non-mapping; subscripting a scalar would throw.
    if (d.IsMap()) {
      if (d["rules"]) c.rule_globs = strings(diags, path, d["rules"], "detect.rules");
      if (d["gazetteer"]) c.gazetteer_files = strings(diags, path, d["gazetteer"], "detect.gazetteer");
      if (d["min_score"]) c.detect.min_score = number<double>(diags, path, d["min_score"], "detect.min_score", 0.0, 1.0).value_or(0.5);
      if (d["max_evidence"]) c.detect.max_evidence = number<size_t>(diags, path, d["max_evidence"], "detect.max_evidence", 1, 100).value_or(3);
      if (d["max_hits"]) c.detect.max_hits = number<size_t>(diags, path, d["max_hits"], "detect.max_hits", 100, 100000000).value_or(200000);
    }
  } else {
    diags.error("missing-key", path, 1, 1, "the config needs a detect: section naming rules: and gazetteer:");
  }
  if (c.rule_globs.empty() && root["detect"]) {
    err(diags, path, root["detect"], "missing-key", "detect.rules must name at least one rules file");
  }
  if (const auto in = root["input"]) {
    check_keys(diags, path, in, {"max_message_bytes", "max_json_depth", "fields"}, "input");
  }
  if (const auto in = root["input"]; in && in.IsMap()) {
    if (in["max_message_bytes"]) c.limits.max_bytes = number<size_t>(diags, path, in["max_message_bytes"], "input.max_message_bytes", 1024, size_t{1} << 30).value_or(c.limits.max_bytes);
    if (in["max_json_depth"]) c.limits.max_depth = number<size_t>(diags, path, in["max_json_depth"], "input.max_json_depth", 2, 1024).value_or(c.limits.max_depth);
    if (const auto f = in["fields"]) {
      check_keys(diags, path, f, {"id", "url", "source", "published_at", "lang", "title", "text", "html"}, "input.fields");
      auto set = [&](const char* key, std::vector<std::string>& dst) {
        if (f.IsMap() && f[key]) dst = strings(diags, path, f[key], fmt::format("input.fields.{}", key));
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
  if (const auto k = root["kafka"]) {
    if (!k.IsMap()) {
      err(diags, path, k, "wrong-type", "kafka must be a mapping of librdkafka properties");
    } else {
      for (const auto& kv : k) {
        const std::string key = kv.first.Scalar();
        if (auto v = property_value(diags, path, kv.second, key)) {
          c.kafka.push_back({key, *v, kv.first.Mark().line + 1, kv.first.Mark().column + 1});
        }
      }
    }
  }
  if (const auto t = root["topics"]) {
    check_keys(diags, path, t, {"articles", "signals", "dead_letter", "alerts", "changelog"}, "topics");
    auto topic = [&](const char* key, std::string& dst) {
      if (!t[key]) return;
      dst = scalar_string(diags, path, t[key], fmt::format("topics.{}", key), dst);
      if (!valid_topic(dst)) {
        err(diags, path, t[key], "bad-value",
            fmt::format("topics.{}: \"{}\" is not a Kafka topic name (1-249 of a-z A-Z 0-9 . _ -)", key, dst));
      }
    };
    if (t.IsMap()) {
      topic("articles", c.topics.articles);
      topic("signals", c.topics.signals);
      topic("dead_letter", c.topics.dead_letter);
      topic("alerts", c.topics.alerts);
      topic("changelog", c.topics.changelog);
      const std::vector<std::string> all{c.topics.articles, c.topics.signals, c.topics.dead_letter, c.topics.alerts,
                                         c.topics.changelog};
      if (std::set<std::string>(all.begin(), all.end()).size() != all.size()) {
        err(diags, path, t, "bad-value", "topics.articles, signals, dead_letter, alerts and changelog must all differ");
      }
    }
  }
  if (const auto g = root["group"]) c.group = scalar_string(diags, path, g, "group", c.group);
  if (const auto l = root["limits"]) {
    check_keys(diags, path, l, {"max_in_flight_per_partition", "workers", "shutdown_deadline_ms"}, "limits");
    if (l.IsMap()) {
      if (l["max_in_flight_per_partition"]) c.run_limits.max_in_flight_per_partition = number<size_t>(diags, path, l["max_in_flight_per_partition"], "limits.max_in_flight_per_partition", 1, 1000000).value_or(c.run_limits.max_in_flight_per_partition);
      if (l["workers"]) c.run_limits.workers = number<size_t>(diags, path, l["workers"], "limits.workers", 1, 256).value_or(c.run_limits.workers);
      if (l["shutdown_deadline_ms"]) c.run_limits.shutdown_deadline_ms = number<int64_t>(diags, path, l["shutdown_deadline_ms"], "limits.shutdown_deadline_ms", 0, 3600000).value_or(c.run_limits.shutdown_deadline_ms);
    }
  }
  if (const auto a = root["aggregate"]) read_aggregate(diags, path, a, c);
  if (const auto e = root["embedded"]) {
    check_keys(diags, path, e, {"partitions", "brokers"}, "embedded");
    if (e.IsMap() && e["partitions"]) c.embedded.partitions = number<int>(diags, path, e["partitions"], "embedded.partitions", 1, 256).value_or(c.embedded.partitions);
    if (e.IsMap() && e["brokers"]) c.embedded.brokers = number<int>(diags, path, e["brokers"], "embedded.brokers", 1, 5).value_or(c.embedded.brokers);
  }
  if (const auto h = root["http"]) read_http(diags, path, h, c.http);
  if (const auto l = root["log"]) read_log(diags, path, l, c.log);
  if (const auto r = root["reload"]) read_reload(diags, path, r, c.reload);
}

}  // namespace

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
