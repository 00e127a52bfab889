// Internal UTF-8 helpers shared by the text pipeline's translation units. Not part of the
// module's contract (that is text.h); kept header-only so the hot loops inline them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace brinkwatch::text::detail {

struct Decoded {
  char32_t cp = 0;   // the code point, or U+FFFD when !ok
  uint32_t len = 1;  // bytes consumed: the sequence, or its maximal ill-formed subpart (>= 1)
  bool ok = true;
};

// Decodes the code point starting at s[i] (i < s.size()) following Table 3-7 of the Unicode
// standard. An ill-formed sequence reports the length of its maximal subpart, so a caller that
// skips `len` bytes and emits one U+FFFD follows the "maximal subpart" practice of §3.9.
inline Decoded decode_utf8(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned c0 = byte(i);
  if (c0 < 0x80) return {c0, 1, true};
  uint32_t need = 0;
  char32_t cp = 0;
  unsigned lo = 0x80;
  unsigned hi = 0xBF;
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    need = 1;
    cp = c0 & 0x1Fu;
  } else if (c0 >= 0xE0 && c0 <= 0xEF) {
    need = 2;
    cp = c0 & 0x0Fu;
    if (c0 == 0xE0)
      lo = 0xA0;  // no overlongs
    else if (c0 == 0xED)
      hi = 0x9F;  // no surrogates
  } else if (c0 >= 0xF0 && c0 <= 0xF4) {
    need = 3;
    cp = c0 & 0x07u;
    if (c0 == 0xF0)
      lo = 0x90;  // no overlongs
    else if (c0 == 0xF4)
      hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return {0xFFFD, 1, false};  // C0, C1, F5..FF and stray continuation bytes
  }
  for (uint32_t k = 1; k <= need; ++k) {
    if (i + k >= s.size()) return {0xFFFD, k, false};
    const unsigned c = byte(i + k);
    if (c < lo || c > hi) return {0xFFFD, k, false};
    lo = 0x80;
    hi = 0xBF;
    cp = (cp << 6) | (c & 0x3Fu);
  }
  return {cp, need + 1, true};
}

// Number of bytes `cp` takes in UTF-8 (cp must be a scalar value).
inline uint32_t utf8_length(char32_t cp) {
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  if (cp < 0x10000) return 3;
  return 4;
}

// Writes `cp` (a scalar value) into buf, returns the byte count.
inline uint32_t encode_utf8(char32_t cp, char* buf) {
  const auto put = [&](int k, unsigned v) { buf[k] = static_cast<char>(v); };
  if (cp < 0x80) {
    put(0, cp);
    return 1;
  }
  if (cp < 0x800) {
    put(0, 0xC0 | (cp >> 6));
    put(1, 0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    put(0, 0xE0 | (cp >> 12));
    put(1, 0x80 | ((cp >> 6) & 0x3F));
    put(2, 0x80 | (cp & 0x3F));
    return 3;
  }
  put(0, 0xF0 | (cp >> 18));
  put(1, 0x80 | ((cp >> 12) & 0x3F));
  put(2, 0x80 | ((cp >> 6) & 0x3F));
  put(3, 0x80 | (cp & 0x3F));
  return 4;
}

inline void append_utf8(std::string& out, char32_t cp) {
  char buf[4];
  out.append(buf, encode_utf8(cp, buf));
}

inline bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

inline bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

inline char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// True when `s` needs repair_utf8: ill-formed UTF-8, or C0 controls other than \t \n \r.
bool needs_repair(std::string_view s);

}  // namespace brinkwatch::text::detail
