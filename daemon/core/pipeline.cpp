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

std::vector<SignalRecord> to_signal_records(const Article& article, const detect::Detection& detection,
                                            const std::string& ruleset_version, int64_t detected_unix_ms,
                                            const aggregate::MinHash& minhash) {
  std::vector<SignalRecord> out;
  if (detection.signals.empty()) return out;
  out.reserve(detection.signals.size() * 3);
  const std::string fingerprint = content_fingerprint(article);
  const std::string detected_at = format_rfc3339(detected_unix_ms);
  for (const auto& s : detection.signals) {
    nlohmann::json j = signal_json(s);
    j["schema"] = kSignalSchema;
    j["article_id"] = article.id;
    j["url"] = article.url;
    j["source"] = article.source;
    j["title"] = article.title;
    if (!article.published_at.empty()) j["published_at"] = article.published_at;
    j["detected_at"] = detected_at;
    j["ruleset"] = ruleset_version;
    if (!detection.lang.empty()) j["lang"] = detection.lang;
    j["fingerprint"] = fingerprint;
    j["minhash"] = aggregate::to_hex(minhash);
    if (detection.truncated) j["truncated"] = true;
    if (s.regions.empty()) {
      j["region"] = "unlocated";
      out.push_back({"unlocated", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
      continue;
    }
    for (const auto& region : s.regions) {
      j["region"] = region;
      out.push_back({region, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
    }
  }
  return out;
}

std::string error_json_line(size_t line_number, const Error& error) {
  nlohmann::json j{{"line", line_number}, {"error", {{"code", error.code}, {"message", error.message}}}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace brinkwatch
