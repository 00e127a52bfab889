#include "core/article.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace brinkwatch {
namespace {

// Howard Hinnant's days_from_civil: days since 1970-01-01 for a proleptic Gregorian date.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::string error_text(simdjson::error_code e) { return simdjson::error_message(e); }

}  // namespace

uint64_t fnv1a64(std::string_view data, uint64_t seed) {
  uint64_t h = seed;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::optional<int64_t> parse_rfc3339(std::string_view s) {
  int year = 0, mon = 0, day = 0, hh = 0, mm = 0, ss = 0;
  if (!digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mon) ||
      s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !digits(s, 11, 2, hh) || s[13] != ':' || !digits(s, 14, 2, mm) || s[16] != ':' ||
      !digits(s, 17, 2, ss)) {
    return std::nullopt;
  }
  static constexpr std::array<int, 12> kDays{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1900 || year > 2200 || mon < 1 || mon > 12 || day < 1 || day > kDays[mon - 1] ||
      hh > 23 || mm > 59 || ss > 60) {
    return std::nullopt;
  }
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (mon == 2 && day == 29 && !leap) return std::nullopt;
  size_t pos = 19;
  int millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int scale = 100;
    size_t n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      millis += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++n;
    }
    if (n == 0) return std::nullopt;
  }
  int offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;  // RFC 3339 requires an offset
  }
  if (pos != s.size()) return std::nullopt;
  const int64_t days = days_from_civil(year, static_cast<unsigned>(mon), static_cast<unsigned>(day));
  const int64_t secs = days * 86400 + hh * 3600 + mm * 60 + std::min(ss, 59) - offset_min * 60;
  return secs * 1000 + millis;
}

std::string format_rfc3339(int64_t unix_ms) {
  int64_t secs = unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000;
  const int64_t ms = unix_ms - secs * 1000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  // civil_from_days
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y0 = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = y0 + (m <= 2);
  if (ms != 0) {
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", y, m, d, rem / 3600,
                       (rem / 60) % 60, rem % 60, ms);
  }
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", y, m, d, rem / 3600, (rem / 60) % 60,
                     rem % 60);
}

ArticleDecoder::ArticleDecoder(FieldMap fields, DecodeLimits limits)
    : fields_(std::move(fields)), limits_(limits) {
  if (parser_.allocate(limits_.max_bytes + 64, limits_.max_depth) != simdjson::SUCCESS) {
    throw std::runtime_error("cannot allocate the JSON parser");
  }
}

Result<Article> ArticleDecoder::decode(std::string_view json) {
  // A UTF-8 byte order mark is not JSON, but RFC 8259 §8.1 lets a parser ignore one, and
  // producers on Windows write it: skip it rather than refuse the article.
  if (json.substr(0, 3) == "\xEF\xBB\xBF") json.remove_prefix(3);
  const size_t first = json.find_first_not_of(" \t\r\n");
  if (json.empty() || first == std::string_view::npos) {
    return Error{"empty", "the message is empty or only whitespace"};
  }
  if (json.size() > limits_.max_bytes) {
    return Error{"too_large", fmt::format("the message is {} bytes; the limit is {}", json.size(),
                                          limits_.max_bytes)};
  }
  if (json[first] != '{') {
    return Error{"not_an_object", "an article must be a JSON object"};
  }
  // simdjson reads SIMDJSON_PADDING bytes past the input; reuse one padded buffer.
  if (buffer_.size() < json.size()) buffer_ = simdjson::padded_string(json.size() * 2);
  std::memcpy(buffer_.data(), json.data(), json.size());

  simdjson::dom::element root;
  if (auto err = parser_.parse(buffer_.data(), json.size(), false).get(root); err) {
    if (err == simdjson::UTF8_ERROR) return Error{"invalid_utf8", "the message is not valid UTF-8"};
    if (err == simdjson::DEPTH_ERROR) {
      return Error{"too_deep", fmt::format("JSON nested deeper than {} levels", limits_.max_depth)};
    }
    return Error{"invalid_json", fmt::format("not JSON: {}", error_text(err))};
  }
  simdjson::dom::object obj;
  if (root.get(obj) != simdjson::SUCCESS) {
    return Error{"not_an_object", "an article must be a JSON object"};
  }

  Article a;
  struct Slot {
    const std::vector<std::string>* names;
    std::string* out;
  };
  const std::array<Slot, 8> slots{{{&fields_.id, &a.id},
                                   {&fields_.url, &a.url},
                                   {&fields_.source, &a.source},
                                   {&fields_.published_at, &a.published_at},
                                   {&fields_.lang, &a.lang},
                                   {&fields_.title, &a.title},
                                   {&fields_.text, &a.text},
                                   {&fields_.html, &a.html}}};
  for (const Slot& slot : slots) {
    // The first configured name present wins; with duplicate keys, the first occurrence.
    for (const std::string& name : *slot.names) {
      simdjson::dom::element value;
      if (obj.at_key(name).get(value) != simdjson::SUCCESS) continue;
      if (value.is_null()) continue;
      if (value.is_string()) {
        slot.out->assign(value.get_string().value_unsafe());
      } else if (slot.out == &a.id && (value.is_int64() || value.is_uint64())) {
        *slot.out = value.is_int64() ? std::to_string(value.get_int64().value_unsafe())
                                     : std::to_string(value.get_uint64().value_unsafe());
      } else {
        return Error{"wrong_type", fmt::format("field \"{}\" must be a string", name)};
      }
      break;
    }
  }

  if (a.title.empty() && a.text.empty() && a.html.empty()) {
    return Error{"missing_content", "the article has no title, text or html"};
  }
  if (!a.published_at.empty()) {
    a.published_ms = parse_rfc3339(a.published_at);
    if (!a.published_ms) {
      return Error{"invalid_timestamp",
                   fmt::format("published_at is not an RFC 3339 time between 1900 and 2200")};
    }
  }
  if (a.id.empty()) {
    uint64_t h = fnv1a64(a.title);
    h = fnv1a64(a.text.empty() ? a.html : a.text, h);
    a.id = fmt::format("h:{:016x}", h);
  }
  return a;
}

}  // namespace brinkwatch
