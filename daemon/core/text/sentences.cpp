// Rule-based sentence splitting. One forward pass; the only look-behind (the word before a
// period, for abbreviations) is bounded, so the cost is linear in the range length.
#include <utf8proc.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "core/text/text.h"
#include "core/text/utf8_internal.h"

namespace brinkwatch::text {
namespace {

using detail::ascii_lower;

// Longest word inspected before a period when looking for an abbreviation ("Messrs", "U.S.A").
constexpr size_t kMaxAbbrevBytes = 12;

// Lower-cased, without the final period. "no" is handled separately: it only abbreviates before
// a number ("No. 10 Downing Street" vs "He said no. Then...").
// clang-format off
constexpr std::string_view kAbbreviations[] = {
    "adm", "al", "amb", "approx", "apr", "assn", "aug", "ave", "blvd", "brig", "bros", "capt",
    "cdr", "cf", "cmdr", "co", "col", "corp", "cpl", "dec", "dept", "dr", "est", "etc", "feb",
    "fig", "fr", "ft", "gen", "gov", "govt", "hon", "inc", "jan", "jr", "jul", "jun", "lt", "ltd",
    "maj", "mar", "messrs", "mr", "mrs", "ms", "mt", "nov", "oct", "pres", "prof", "pvt", "rd",
    "rep", "rev", "sen", "sep", "sept", "sgt", "sr", "st", "vs"};
// clang-format on
static_assert(std::is_sorted(std::begin(kAbbreviations), std::end(kAbbreviations)));

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Is the period at `dot` the end of an abbreviation rather than of a sentence? `floor` is the
// start of the current sentence; `digit_next` says whether the next word starts with a digit.
bool is_abbreviation(std::string_view text, size_t floor, size_t dot, bool digit_next) {
  size_t b = dot;
  while (b > floor && dot - b <= kMaxAbbrevBytes) {
    const char c = text[b - 1];
    if (detail::is_ascii_space(c) || c == '(' || c == '[' || c == '"' || c == '\'' ||
        static_cast<unsigned char>(c) >= 0x80) {
      break;
    }
    --b;
  }
  if (b == dot || dot - b > kMaxAbbrevBytes) return false;
  std::string word(text.substr(b, dot - b));
  for (char& c : word) c = ascii_lower(c);
  if (word == "no" || word == "nos") return digit_next;
  if (std::binary_search(std::begin(kAbbreviations), std::end(kAbbreviations), word)) return true;
  // An initial ("J. Smith"): a single capital letter.
  if (dot - b == 1 && text[b] >= 'A' && text[b] <= 'Z') return true;
  // Dotted forms: U.S, U.N, E.U, a.m, p.m, e.g, i.e, D.C, Ph.D: every part one or two letters.
  if (word.find('.') == std::string::npos) return false;
  size_t part = 0;
  for (const char c : word) {
    if (c == '.') {
      if (part == 0) return false;
      part = 0;
    } else if (is_letter(c) && part < 2) {
      ++part;
    } else {
      return false;
    }
  }
  return part > 0;
}

bool is_closer(char32_t cp) {
  switch (cp) {
    case '"':
    case '\'':
    case ')':
    case ']':
    case '}':
    case 0x2019:
    case 0x201D:
    case 0xBB:
    case 0x203A:  // ’ ” » ›
    case 0x300D:
    case 0x300F:
    case 0xFF09:
    case 0x3011:  // 」 』 ） 】
    case 0x3009:
    case 0x300B:  // 〉 》
      return true;
    default:
      return false;
  }
}

bool is_opener(char32_t cp) {
  switch (cp) {
    case '"':
    case '\'':
    case '(':
    case '[':
    case 0x2018:
    case 0x201C:
    case 0xAB:
      return true;
    default:
      return false;
  }
}

// Terminators that need a following space: . ! ? … and the Arabic question mark / full stop.
bool is_spaced_terminal(char32_t cp) {
  return cp == '.' || cp == '!' || cp == '?' || cp == 0x2026 || cp == 0x061F || cp == 0x06D4;
}

// CJK terminators end a sentence without a following space.
bool is_cjk_terminal(char32_t cp) { return cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F; }

class Splitter {
 public:
  Splitter(std::string_view text, size_t begin, size_t end)
      : text_(text.substr(0, end)), start_(begin) {}

  std::vector<Span> run() {
    size_t i = start_;
    while (i < text_.size()) {
      i = skip_plain_blocks(i);
      if (i >= text_.size()) break;
      const char c = text_[i];
      if (c == '\n' || c == '\r') {
        emit(i);
        start_ = i + 1;
        ++i;
        continue;
      }
      if (static_cast<unsigned char>(c) < 0x80 && c != '.' && c != '!' && c != '?') {
        ++i;
        continue;
      }
      const detail::Decoded d = detail::decode_utf8(text_, i);
      if (d.ok && is_spaced_terminal(d.cp)) {
        i = spaced_terminal(i);
      } else if (d.ok && is_cjk_terminal(d.cp)) {
        const size_t j = skip_closers(skip_terminals(i));
        emit(j);
        start_ = j;
        i = j;
      } else {
        i += d.len;
      }
    }
    emit(text_.size());
    return std::move(out_);
  }

 private:
  static constexpr uint64_t kOnes = 0x0101010101010101ULL;
  static constexpr uint64_t kHighBits = 0x8080808080808080ULL;

  // True when some byte of `block` (all below 0x80) equals `c` (exact as a yes/no answer:
  // "haszero" of Bit Twiddling Hacks).
  static bool has_byte(uint64_t block, char c) {
    const uint64_t x = block ^ (kOnes * static_cast<unsigned char>(c));
    return ((x - kOnes) & ~x & kHighBits) != 0;
  }

  // Skips the bytes the scan would only step over: ASCII other than a line break or . ! ?
  // (most of an article; the byte loop below costs several compares a byte). 16 bytes at a time
  // with SSE2, then 8 at a time.
  size_t skip_plain_blocks(size_t i) const {
#if defined(__SSE2__)
    const __m128i nl = _mm_set1_epi8('\n');
    const __m128i cr = _mm_set1_epi8('\r');
    const __m128i dot = _mm_set1_epi8('.');
    const __m128i bang = _mm_set1_epi8('!');
    const __m128i question = _mm_set1_epi8('?');
    while (i + 16 <= text_.size()) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text_.data() + i));
      const __m128i hit = _mm_or_si128(
          _mm_or_si128(_mm_cmpeq_epi8(v, nl), _mm_cmpeq_epi8(v, cr)),
          _mm_or_si128(_mm_cmpeq_epi8(v, dot),
                       _mm_or_si128(_mm_cmpeq_epi8(v, bang), _mm_cmpeq_epi8(v, question))));
      // movemask of v itself: the bytes with the high bit set (non-ASCII).
      const auto mask = static_cast<unsigned>(_mm_movemask_epi8(hit) | _mm_movemask_epi8(v));
      if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(mask));
      i += 16;
    }
#endif
    while (i + 8 <= text_.size()) {
      uint64_t block = 0;
      std::memcpy(&block, text_.data() + i, 8);
      if ((block & kHighBits) != 0 || has_byte(block, '\n') || has_byte(block, '\r') ||
          has_byte(block, '.') || has_byte(block, '!') || has_byte(block, '?')) {
        break;
      }
      i += 8;
    }
    return i;
  }

  char32_t at(size_t i, uint32_t* len) const {
    const detail::Decoded d = detail::decode_utf8(text_, i);
    *len = d.len;
    return d.ok ? d.cp : 0xFFFD;
  }

  size_t skip_terminals(size_t i) const {
    while (i < text_.size()) {
      uint32_t len = 0;
      const char32_t cp = at(i, &len);
      if (!is_spaced_terminal(cp) && !is_cjk_terminal(cp)) break;
      i += len;
    }
    return i;
  }

  size_t skip_closers(size_t i) const {
    while (i < text_.size()) {
      uint32_t len = 0;
      if (!is_closer(at(i, &len))) break;
      i += len;
    }
    return i;
  }

  // Handles a run of terminators starting at i; returns where scanning resumes.
  size_t spaced_terminal(size_t i) {
    const size_t run_end = skip_terminals(i);
    const size_t j = skip_closers(run_end);
    if (j >= text_.size()) return j;
    const char after = text_[j];
    if (after != ' ' && after != '\t') return j;  // "3.5", "U.S.-led", or a line break next
    size_t k = j;
    while (k < text_.size() && (text_[k] == ' ' || text_[k] == '\t')) ++k;
    if (k >= text_.size() || text_[k] == '\n' || text_[k] == '\r') return k;
    uint32_t len = 0;
    char32_t next = at(k, &len);
    if (is_opener(next) && k + len < text_.size()) next = at(k + len, &len);
    if (utf8proc_category(static_cast<utf8proc_int32_t>(next)) == UTF8PROC_CATEGORY_LL) return k;
    const bool single_period = text_[i] == '.' && run_end == i + 1;
    if (single_period && is_abbreviation(text_, start_, i, next >= '0' && next <= '9')) return k;
    emit(j);
    start_ = j;
    return k;
  }

  // Emits [start_, e) trimmed of whitespace, if anything is left.
  void emit(size_t e) {
    size_t b = start_;
    while (b < e && detail::is_ascii_space(text_[b])) ++b;
    while (e > b && detail::is_ascii_space(text_[e - 1])) --e;
    if (b < e) out_.push_back(Span{static_cast<uint32_t>(b), static_cast<uint32_t>(e)});
  }

  std::string_view text_;
  size_t start_;
  std::vector<Span> out_;
};

}  // namespace

std::vector<Span> split_sentences(std::string_view text, uint32_t begin, uint32_t end) {
  const size_t e = std::min<size_t>(end, text.size());
  const size_t b = std::min<size_t>(begin, e);
  return Splitter(text, b, e).run();
}

}  // namespace brinkwatch::text
