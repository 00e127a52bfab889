#include "core/text/text.h"

namespace brinkwatch::text {

namespace detail {

size_t separator_length_multibyte(std::string_view s, size_t pos) {
  const auto c = static_cast<unsigned char>(s[pos]);
  auto byte = [&](size_t i) { return pos + i < s.size() ? static_cast<unsigned char>(s[pos + i]) : 0; };
  if (c == 0xc2 && (byte(1) == 0xa0 || byte(1) == 0xab || byte(1) == 0xbb || byte(1) == 0xb7)) return 2;  // NBSP « » ·
  if (c == 0xd8 && (byte(1) == 0x8c || byte(1) == 0x9b || byte(1) == 0x9f)) return 2;  // Arabic comma, semicolon, question mark
  if (c == 0xe2 && byte(1) == 0x80 && byte(2) >= 0x90 && byte(2) <= 0xaf) return 3;  // dashes, quotes, ellipsis, spaces
  if (c == 0xe3 && byte(1) == 0x80 && byte(2) >= 0x80 && byte(2) <= 0x91) return 3;  // CJK space and punctuation 、。「」
  if (c == 0xef && byte(1) == 0xbc && (byte(2) == 0x8c || byte(2) == 0x81 || byte(2) == 0x9f || byte(2) == 0x9a || byte(2) == 0x9b || byte(2) == 0x88 || byte(2) == 0x89)) return 3;  // fullwidth ，！？：；（）
  return 0;
}

}  // namespace detail

size_t ignorable_length(std::string_view s, size_t pos) {
  auto byte = [&](size_t i) { return pos + i < s.size() ? static_cast<unsigned char>(s[pos + i]) : 0; };
  const unsigned c = byte(0);
  if (c == 0xc2 && byte(1) == 0xad) return 2;  // U+00AD
  if (c == 0xd8 && byte(1) == 0x9c) return 2;  // U+061C
  if (c == 0xe1 && byte(1) == 0xa0 && byte(2) == 0x8e) return 3;  // U+180E
  if (c == 0xe2 && byte(1) == 0x80 && ((byte(2) >= 0x8b && byte(2) <= 0x8f) || (byte(2) >= 0xaa && byte(2) <= 0xae))) {
    return 3;  // U+200B-U+200F, U+202A-U+202E
  }
  if (c == 0xe2 && byte(1) == 0x81 && byte(2) >= 0xa0 && byte(2) <= 0xaf && byte(2) != 0xa5) return 3;  // U+2060-U+206F
  if (c == 0xef && byte(1) == 0xbb && byte(2) == 0xbf) return 3;  // U+FEFF
  return 0;
}
}  // namespace brinkwatch::text
