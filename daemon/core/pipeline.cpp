#include "core/pipeline.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace brinkwatch {

text::Document prepare_document(const Article& article) {
  // make_document repairs its inputs itself when (and only when) they need it.
  text::Document doc = article.text.empty()
                           ? text::make_document(article.title, text::html_to_text(article.html))
                           : text::make_document(article.title, article.text);
  doc.lang = text::choose_language(article.lang, doc.text);
  return doc;
}

namespace {

nlohmann::json signal_json(const detect::Signal& s) {
  nlohmann::json ev = nlohmann::json::array();
  for (const auto& e : s.evidence) {
    ev.push_back({{"sentence", e.sentence},
                  {"field", e.field},
                  {"begin", e.begin},
                  {"end", e.end},
                  {"terms", e.terms},
                  {"rule", e.rule_id},
                  {"revision", e.revision},
                  {"score", std::round(e.score * 1000) / 1000},
                  {"modifiers", e.modifiers}});
  }
  return {{"type", s.type},
          {"score", std::round(s.score * 1000) / 1000},
          {"countries", s.countries},
          {"actors", s.actors},
          {"theatres", s.theatres},
          {"regions", s.regions},
          {"modifiers", s.modifiers},
          {"evidence", std::move(ev)}};
}

}  // namespace

std::string to_json_line(const Article& article, const detect::Detection& detection,
                         const std::string& ruleset_version) {
  nlohmann::json sigs = nlohmann::json::array();
  for (const auto& s : detection.signals) sigs.push_back(signal_json(s));
  nlohmann::json j{{"id", article.id}};
  if (!article.url.empty()) j["url"] = article.url;
  if (!article.source.empty()) j["source"] = article.source;
  if (!article.published_at.empty()) j["published_at"] = article.published_at;
  j["ruleset"] = ruleset_version;
  if (!detection.lang.empty()) j["lang"] = detection.lang;
  j["signals"] = std::move(sigs);
  if (detection.truncated) j["truncated"] = true;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string content_fingerprint(const Article& article) {
  uint64_t h = fnv1a64(article.title);
  h = fnv1a64("\n", h);
  h = fnv1a64(article.text.empty() ? article.html : article.text, h);
  return fmt::format("{:016x}", h);
}

namespace {

// An object's members without its braces, for records assembled from shared parts.
std::string members(const nlohmann::json& object) {
  std::string s = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return s.substr(1, s.size() - 2);
}

}  // namespace

std::vector<SignalRecord> to_signal_records(const Article& article, const text::Document& doc,
                                            const detect::Detection& detection,
                                            const std::string& ruleset_version, int64_t detected_unix_ms) {
  if (detection.signals.empty()) return {};
  return to_signal_records(article, detection, ruleset_version, detected_unix_ms, aggregate::minhash(doc));
}

std::vector<SignalRecord> to_signal_records(const Article& article, const detect::Detection& detection,
                                            const std::string& ruleset_version, int64_t detected_unix_ms,
                                            const aggregate::MinHash& minhash) {
  std::vector<SignalRecord> out;
  if (detection.signals.empty()) return out;
  out.reserve(detection.signals.size() * 3);
  // A record is {region, the signal's members, the article's members}. Each part is serialised
  // once and the records are joined from them: a signal attributed to three regions was
  // otherwise serialised three times, and serialising was a fifth of a detect worker's time.
  nlohmann::json a;
  a["schema"] = kSignalSchema;
  a["article_id"] = article.id;
  a["url"] = article.url;
  a["source"] = article.source;
  a["title"] = article.title;
  if (!article.published_at.empty()) a["published_at"] = article.published_at;
  a["detected_at"] = format_rfc3339(detected_unix_ms);
  a["ruleset"] = ruleset_version;
  if (!detection.lang.empty()) a["lang"] = detection.lang;
  a["fingerprint"] = content_fingerprint(article);
  a["minhash"] = aggregate::to_hex(minhash);
  if (detection.truncated) a["truncated"] = true;
  const std::string article_members = members(a);
  auto record = [&](const std::string& region, const std::string& signal_members) {
    std::string value = "{\"region\":";
    value += nlohmann::json(region).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    value += ',';
    value += signal_members;
    value += ',';
    value += article_members;
    value += '}';
    out.push_back({region, std::move(value)});
  };
  for (const auto& s : detection.signals) {
    const std::string signal_members = members(signal_json(s));
    if (s.regions.empty()) {
      record("unlocated", signal_members);
      continue;
    }
    for (const auto& region : s.regions) record(region, signal_members);
  }
  return out;
}

std::string error_json_line(size_t line_number, const Error& error) {
  nlohmann::json j{{"line", line_number}, {"error", {{"code", error.code}, {"message", error.message}}}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace brinkwatch
