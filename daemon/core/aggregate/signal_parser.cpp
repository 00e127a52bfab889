#include <algorithm>
#include <cctype>
#include <cstring>

#include <simdjson.h>

#include "core/aggregate/aggregator.h"
#include "core/article.h"

namespace brinkwatch::aggregate {

struct SignalParser::Impl {
  simdjson::dom::parser parser;
  simdjson::padded_string buffer;
};

SignalParser::SignalParser() : impl_(std::make_unique<Impl>()) {}
SignalParser::~SignalParser() = default;

namespace {

// Signal records are small; anything this large is not one of ours.
constexpr size_t kMaxRecordBytes = 4 << 20;

}  // namespace

Result<SignalEvent> SignalParser::parse(std::string_view json, std::string_view key) {
  if (json.empty()) return Error{"empty", "the record is empty"};
  if (json.size() > kMaxRecordBytes) return Error{"too_large", "the record is larger than any signal record"};
  if (impl_->buffer.size() < json.size()) impl_->buffer = simdjson::padded_string(json.size() * 2);
  std::memcpy(impl_->buffer.data(), json.data(), json.size());
  simdjson::dom::element root;
  if (auto err = impl_->parser.parse(impl_->buffer.data(), json.size(), false).get(root); err) {
    return Error{"invalid_json", std::string("not JSON: ") + simdjson::error_message(err)};
  }
  simdjson::dom::object obj;
  if (root.get(obj) != simdjson::SUCCESS) return Error{"not_an_object", "the record is not a JSON object"};

  auto str = [&](const char* name, bool required, std::string& dst) -> std::optional<Error> {
    std::string_view v;
    auto e = obj[name];
    if (e.error() == simdjson::NO_SUCH_FIELD) {
      if (required) return Error{"missing_field", std::string("the record has no \"") + name + "\""};
      return std::nullopt;
    }
    if (e.get(v) != simdjson::SUCCESS) return Error{"wrong_type", std::string("\"") + name + "\" must be a string"};
    dst.assign(v);
    return std::nullopt;
  };

  std::string schema;
  if (auto e = str("schema", true, schema)) return *e;
  if (schema != "brinkwatch.signal/1") return Error{"wrong_schema", "not a brinkwatch.signal/1 record: \"" + schema + "\""};

  SignalEvent ev;
  if (auto e = str("article_id", true, ev.article_id)) return *e;
  if (auto e = str("type", true, ev.type)) return *e;
  if (auto e = str("region", false, ev.region)) return *e;
  if (ev.region.empty()) ev.region.assign(key);
  if (ev.region.empty()) return Error{"missing_field", "the record has no \"region\" and no key"};
  if (auto e = str("source", false, ev.source)) return *e;
  if (auto e = str("url", false, ev.url)) return *e;
  if (auto e = str("title", false, ev.title)) return *e;
  if (auto e = str("ruleset", false, ev.ruleset)) return *e;
  if (ev.article_id.empty() || ev.type.empty()) return Error{"missing_field", "article_id and type must not be empty"};

  double score = 0;
  if (obj["score"].get(score) != simdjson::SUCCESS || !(score >= 0 && score <= 1)) {
    return Error{"wrong_type", "\"score\" must be a number from 0 to 1"};
  }
  ev.score = score;

  std::string detected;
  if (auto e = str("detected_at", true, detected)) return *e;
  auto detected_ms = parse_rfc3339(detected);
  if (!detected_ms) return Error{"invalid_timestamp", "\"detected_at\" is not an RFC 3339 time: " + detected};
  ev.detected_ms = *detected_ms;
  std::string published;
  if (auto e = str("published_at", false, published)) return *e;
  if (!published.empty()) {
    // An unreadable published_at is not fatal: the article still happened; arrival time stands in.
    if (auto p = parse_rfc3339(published)) ev.published_ms = *p;
  }

  std::string hash;
  if (auto e = str("minhash", false, hash)) return *e;
  if (!hash.empty()) {
    ev.minhash = minhash_from_hex(hash);
    if (!ev.minhash) return Error{"wrong_type", "\"minhash\" must be 256 lower-case hex digits"};
  }

  simdjson::dom::array evidence;
  if (obj["evidence"].get(evidence) == simdjson::SUCCESS) {
    // The strongest sentence from the body says more than the headline.
    for (auto item : evidence) {
      std::string_view sentence, field;
      if (item["sentence"].get(sentence) != simdjson::SUCCESS) continue;
      if (ev.sentence.empty()) ev.sentence.assign(sentence);
      if (item["field"].get(field) == simdjson::SUCCESS && field == "text") {
        ev.sentence.assign(sentence);
        break;
      }
    }
  }
  return ev;
}

std::string source_domain(std::string_view url, std::string_view source) {
  auto scheme = url.find("://");
  if (scheme != std::string_view::npos) {
    std::string_view host = url.substr(scheme + 3);
    host = host.substr(0, host.find_first_of("/?#"));
    if (auto at = host.rfind('@'); at != std::string_view::npos) host = host.substr(at + 1);
    host = host.substr(0, host.find(':'));
    std::string out(host);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    if (out.size() > 4 && out.compare(0, 4, "www.") == 0) out.erase(0, 4);
    if (!out.empty()) return out;
  }
  if (!source.empty()) {
    std::string out(source);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
  }
  return "unknown";
}

}  // namespace brinkwatch::aggregate
