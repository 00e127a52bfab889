// The text pipeline: from an article's raw title/text/html to a Document whose sentences keep
// byte offsets into the text, with page chrome masked out and a case-folded copy for matching.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace brinkwatch::text {

// UTF-8 -------------------------------------------------------------------------------------

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view s);

// Returns `s` with every ill-formed sequence replaced by U+FFFD (maximal-subpart practice of
// Unicode §3.9), and NUL and C0 controls other than \t \n \r replaced by a space.
std::string repair_utf8(std::string_view s);

// HTML ----------------------------------------------------------------------------------------

// Converts an HTML document or fragment to plain text: tags dropped; <script>, <style>,
// <noscript>, <template>, <svg>, <nav>, <header>, <footer>, <aside>, <form> content dropped;
// block elements (p, div, br, li, h1-h6, tr, section, article, blockquote...) become line
// breaks; entities decoded (named common ones, decimal, hex); runs of spaces collapsed.
// Never throws, linear time, tolerant of unclosed tags and garbage. Output is valid UTF-8.
std::string html_to_text(std::string_view html);

// Normalisation ---------------------------------------------------------------------------------

// A lower-cased copy of `s` with the SAME byte length, so offsets in the copy are offsets in `s`:
// ASCII is lowered directly; other code points are lowered (utf8proc) only where the lower-case
// form encodes to the same number of bytes, which holds for Latin, Greek, Cyrillic and Armenian.
// Arabic and CJK have no case and pass through.
std::string fold_case(std::string_view s);

// Length in bytes of the separator (whitespace, ASCII punctuation, or common non-ASCII
// punctuation: curly quotes, dashes, ellipsis, NBSP, guillemets, Arabic and CJK punctuation)
// starting at `pos`; 0 when a word character starts there. Matching treats every separator
// run as one space (detect/match_text.h).
namespace detail {
size_t separator_length_multibyte(std::string_view s, size_t pos);
}
// Inline: it runs once per byte when the match text is built.
inline size_t separator_length(std::string_view s, size_t pos) {
  if (pos >= s.size()) return 0;
  const auto c = static_cast<unsigned char>(s[pos]);
  if (c >= 0x80) return detail::separator_length_multibyte(s, pos);
  const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '*' || c == '{' || c == '}';
  return word ? 0 : 1;
}

// Length in bytes of the invisible format character starting at `pos`, 0 for anything else:
// soft hyphen U+00AD, Arabic letter mark U+061C, Mongolian vowel separator U+180E, zero-width
// space, non-joiner and joiner U+200B-U+200D, directional marks U+200E-U+200F, embeddings and
// overrides U+202A-U+202E, word joiner and invisible operators U+2060-U+2064, isolates and
// deprecated format controls U+2066-U+206F, and U+FEFF. They render as nothing, so matching
// skips them (the match text of "tro<U+200B>ops" is "troops"): otherwise one such character
// inside a word hides it from every rule (docs/reliability.md, "Hostile input").
size_t ignorable_length(std::string_view s, size_t pos);

// Documents -------------------------------------------------------------------------------------

struct Span {
  uint32_t begin = 0;  // byte offset, inclusive
  uint32_t end = 0;    // byte offset, exclusive
};

struct Sentence {
  Span span;            // into Document::text, trimmed of surrounding whitespace
  bool in_title = false;
  bool question = false;  // ends with '?' (or the Arabic/CJK question marks)
};

struct Document {
  // The title, a blank line, then the body: what detection sees, and what evidence offsets
  // point into. `title_size` bytes of title come first; body offsets are text offsets minus
  // body_offset.
  std::string text;
  std::string folded;        // fold_case(text)
  uint32_t title_size = 0;
  uint32_t body_offset = 0;
  std::vector<Span> chrome;  // masked page chrome (banners, nav, newsletter); sorted, disjoint
  std::vector<Sentence> sentences;  // in order; never inside chrome
  std::string lang;  // ISO 639-1 code the rules are chosen by; empty = unknown (all rules apply)
};

// Lines that are page chrome rather than article: donation and subscription banners,
// newsletter sign-ups, share/follow/cookie bars, "Related stories" lists, bylines and datelines
// alone on a line, copyright footers. Returns spans (whole lines) into `body`.
std::vector<Span> find_chrome(std::string_view body);

// Splits [begin, end) of `text` into sentences: at . ! ? (and 。！？؟) followed by space and
// a non-lower-case start, at line breaks, and never after common abbreviations (Mr. Dr. Gen.
// U.S. U.N. Jan. No. St. etc.) or inside decimals. Offsets are into `text`.
std::vector<Span> split_sentences(std::string_view text, uint32_t begin, uint32_t end);

// Builds the Document: title + "\n\n" + body (body already plain text, valid UTF-8), chrome
// masked, sentences split outside chrome, folded copy made.
Document make_document(std::string_view title, std::string_view body);

}  // namespace brinkwatch::text

namespace brinkwatch::text {

// Arabic in the match text (DESIGN.md, detect/): one Arabic word starting at `pos` of `s`
// (letters, diacritics, tatweel) is appended to `out` in its match form:
//   - diacritics (U+064B–U+065F, U+0670) and tatweel (U+0640) dropped;
//   - alef variants (أ إ آ ٱ) → ا, alef maqsura ى → ي, teh marbuta ة → ه;
//   - proclitics split off as tokens while at least three letters remain: the article ال and the
//     one-letter و ف ب ل ك, so "والصواريخ" → "و ال صواريخ". Rule terms and gazetteer names get
//     the same treatment, so a bare stem ("صواريخ") matches every prefixed form.
// `map`, when given, receives the source offset of every appended byte. Returns the offset
// just past the word.
size_t append_arabic_word(std::string_view s, size_t pos, std::string& out,
                          std::vector<uint32_t>* map);

// True when the bytes at `pos` start an Arabic letter, diacritic or tatweel.
bool arabic_at(std::string_view s, size_t pos);

}  // namespace brinkwatch::text

namespace brinkwatch::text {

// Language identification with CLD2 (Debian's libcld2): the ISO 639-1 code of the text's
// language ("zh" for either Chinese script), and whether CLD2 calls the guess reliable. Reads the
// first 512 bytes, and the first 2 KiB when those are not enough for a reliable guess. Empty code
// when unknown, and also for a language that has no ISO 639-1 code (Cebuano, Syriac...), which
// can still be reliable.
struct LanguageGuess {
  std::string code;
  bool reliable = false;
};
LanguageGuess detect_language(std::string_view text);

// CLD2's code as ISO 639-1: "zh-Hant" → "zh", the withdrawn "iw" → "he" and "jw" → "jv"; empty
// for CLD2's unknowns ("un", "xx", "xx-Qaai") and for languages without a two-letter code.
std::string language_code(std::string_view cld2_code);

// The language to use: the producer's `given` tag ("es", "es-ES", "ES") unless CLD2 reliably
// says otherwise, CLD2's guess when nothing is given and it is reliable, else empty. Always an
// ISO 639-1 code or empty.
std::string choose_language(std::string_view given, std::string_view text);

}  // namespace brinkwatch::text
