// Articles as producers deliver them, decoded with simdjson's DOM parser: it validates the
// whole message (structure, UTF-8, depth) at GB/s, so malformed input anywhere is an error,
// not only in the fields we read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "core/result.h"

namespace brinkwatch {

struct Article {
  std::string id;           // producer's id, or "h:" + content hash when absent
  std::string url;
  std::string source;
  std::string lang;         // as given (may be empty)
  std::string title;
  std::string text;         // plain text; empty when html is given instead
  std::string html;
  std::optional<int64_t> published_ms;  // event time, Unix milliseconds
  std::string published_at;             // as given
};

// Producers name fields differently; each article field accepts a list of names, first wins.
struct FieldMap {
  std::vector<std::string> id{"id", "guid", "article_id"};
  std::vector<std::string> url{"url", "link"};
  std::vector<std::string> source{"source", "publisher", "site"};
  std::vector<std::string> published_at{"published_at", "published", "pubDate", "date"};
  std::vector<std::string> lang{"lang", "language"};
  std::vector<std::string> title{"title", "headline"};
  std::vector<std::string> text{"text", "body", "content", "description"};
  std::vector<std::string> html{"html", "body_html"};
};

struct DecodeLimits {
  size_t max_bytes = 4 * 1024 * 1024;  // whole message
  size_t max_depth = 64;               // JSON nesting
};

// Error codes (stable: metric labels and dead-letter headers):
//   empty, too_large, invalid_json, invalid_utf8, not_an_object, wrong_type, too_deep,
//   missing_content, invalid_timestamp
class ArticleDecoder {
 public:
  explicit ArticleDecoder(FieldMap fields = {}, DecodeLimits limits = {});
  // Decodes one JSON object. Not thread-safe: one decoder per worker thread.
  Result<Article> decode(std::string_view json);

 private:
  FieldMap fields_;
  DecodeLimits limits_;
  simdjson::dom::parser parser_;
  simdjson::padded_string buffer_;
};

// RFC 3339 ("2025-11-04T15:48:00Z", "...+02:00", fractional seconds) to Unix milliseconds.
std::optional<int64_t> parse_rfc3339(std::string_view s);
std::string format_rfc3339(int64_t unix_ms);

// 64-bit FNV-1a, for derived ids and fingerprints (not for security).
uint64_t fnv1a64(std::string_view data, uint64_t seed = 14695981039346656037ULL);

}  // namespace brinkwatch
