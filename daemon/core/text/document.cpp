// Document assembly: the one place that decides the layout of Document::text.
#include <algorithm>
#include <limits>

#include "core/text/text.h"
#include "core/text/utf8_internal.h"

namespace brinkwatch::text {
namespace {

// Offsets are uint32; callers bound documents far below this (64 MiB), so this is only a guard
// that keeps a caller's mistake from wrapping offsets.
constexpr size_t kMaxText = std::numeric_limits<uint32_t>::max() / 2;

bool is_question(std::string_view text, Span s) {
  size_t e = s.end;
  while (e > s.begin) {
    const char c = text[e - 1];
    if (detail::is_ascii_space(c) || c == '"' || c == '\'' || c == ')' || c == ']') {
      --e;
      continue;
    }
    // Closing quotes and brackets outside ASCII: ’ ” » › 」 』 ）
    bool skipped = false;
    for (const std::string_view q : {"\xE2\x80\x99", "\xE2\x80\x9D", "\xC2\xBB", "\xE2\x80\xBA",
                                     "\xE3\x80\x8D", "\xE3\x80\x8F", "\xEF\xBC\x89"}) {
      if (e - s.begin >= q.size() && text.substr(e - q.size(), q.size()) == q) {
        e -= q.size();
        skipped = true;
        break;
      }
    }
    if (skipped) continue;
    if (c == '?') return true;
    const std::string_view tail = text.substr(s.begin, e - s.begin);
    const auto ends_with = [&](std::string_view q) {
      return tail.size() >= q.size() && tail.substr(tail.size() - q.size()) == q;
    };
    return ends_with("\xEF\xBC\x9F") || ends_with("\xD8\x9F");  // ？ ؟
  }
  return false;
}

// Valid UTF-8 without stray controls: the caller's promise, checked because breaking it must
// not break us. `s` is returned as it is when it keeps the promise (the usual case: no copy), or
// repaired into `storage`.
std::string_view clean(std::string_view s, std::string& storage) {
  if (s.size() > kMaxText) s = s.substr(0, kMaxText);
  if (!detail::needs_repair(s)) return s;
  storage = repair_utf8(s);
  return storage;
}

}  // namespace

Document make_document(std::string_view title, std::string_view body) {
  Document doc;
  std::string title_storage;
  std::string body_storage;
  const std::string_view t = clean(title, title_storage);
  const std::string_view b = clean(body, body_storage);
  doc.text.reserve(t.size() + 2 + b.size());
  if (!t.empty()) {
    doc.text.append(t).append("\n\n");
    doc.title_size = static_cast<uint32_t>(t.size());
    doc.body_offset = static_cast<uint32_t>(t.size() + 2);
  }
  doc.text.append(b);

  for (const Span s : split_sentences(doc.text, 0, doc.title_size)) {
    doc.sentences.push_back(Sentence{s, true, is_question(doc.text, s)});
  }
  uint32_t from = doc.body_offset;
  const auto add_body = [&](uint32_t end) {
    for (const Span s : split_sentences(doc.text, from, end)) {
      doc.sentences.push_back(Sentence{s, false, is_question(doc.text, s)});
    }
  };
  for (const Span c : find_chrome(std::string_view(doc.text).substr(doc.body_offset))) {
    const Span shifted{c.begin + doc.body_offset, c.end + doc.body_offset};
    doc.chrome.push_back(shifted);
    add_body(shifted.begin);
    from = shifted.end;
  }
  add_body(static_cast<uint32_t>(doc.text.size()));
  doc.folded = fold_case(doc.text);
  return doc;
}

}  // namespace brinkwatch::text
