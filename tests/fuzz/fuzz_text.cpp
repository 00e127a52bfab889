// Bytes as untrusted text → UTF-8 repair, HTML to text, Document building. Checks the
// promises text.h makes: repaired and converted text is valid UTF-8, folding keeps the byte
// length, and sentence spans lie inside the document and outside chrome.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/text/text.h"

namespace text = brinkwatch::text;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const std::string repaired = text::repair_utf8(input);
  check(text::is_valid_utf8(repaired));
  if (text::is_valid_utf8(input)) {
    // Valid input loses only control characters, which become spaces of the same length.
    check(repaired.size() == input.size());
  }

  const std::string plain = text::html_to_text(input);
  check(text::is_valid_utf8(plain));

  const std::string folded = text::fold_case(repaired);
  check(folded.size() == repaired.size());

  // The first line as a title, the rest as the body, the way a decoded article arrives.
  const size_t nl = repaired.find('\n');
  const std::string_view whole(repaired);
  const std::string_view title = whole.substr(0, nl == std::string_view::npos ? whole.size() : nl);
  const std::string_view body = nl == std::string_view::npos ? std::string_view() : whole.substr(nl + 1);
  const text::Document doc = text::make_document(title, body);
  check(doc.folded.size() == doc.text.size());
  for (const text::Sentence& s : doc.sentences) {
    check(s.span.begin <= s.span.end && s.span.end <= doc.text.size());
  }
  for (const text::Span& c : doc.chrome) {
    check(c.begin <= c.end && c.end <= doc.text.size());
  }

  const text::Document from_html = text::make_document(title, plain);
  check(from_html.folded.size() == from_html.text.size());
  return 0;
}
