#include <array>

#include "core/text/text.h"

namespace brinkwatch::text {
namespace {

// Code point of the two-byte sequence at pos, or 0.
char32_t two_byte(std::string_view s, size_t pos) {
  if (pos + 1 >= s.size()) return 0;
  const auto a = static_cast<unsigned char>(s[pos]);
  const auto b = static_cast<unsigned char>(s[pos + 1]);
  if (a < 0xC2 || a > 0xDF || (b & 0xC0) != 0x80) return 0;
  return static_cast<char32_t>(((a & 0x1F) << 6) | (b & 0x3F));
}

bool is_letter(char32_t c) { return (c >= 0x0621 && c <= 0x064A) || c == 0x0671; }
bool is_dropped(char32_t c) { return (c >= 0x064B && c <= 0x065F) || c == 0x0670 || c == 0x0640; }

char32_t normalise(char32_t c) {
  switch (c) {
    case 0x0623: case 0x0625: case 0x0622: case 0x0671: return 0x0627;  // alef variants
    case 0x0649: return 0x064A;                                          // alef maqsura → yeh
    case 0x0629: return 0x0647;                                          // teh marbuta → heh
    default: return c;
  }
}

void put(char32_t c, uint32_t at, std::string& out, std::vector<uint32_t>* map) {
  out += static_cast<char>(0xC0 | (c >> 6));
  out += static_cast<char>(0x80 | (c & 0x3F));
  if (map) {
    map->push_back(at);
    map->push_back(at + 1);
  }
}

}  // namespace

bool arabic_at(std::string_view s, size_t pos) {
  const char32_t c = two_byte(s, pos);
  return is_letter(c) || is_dropped(c);
}

size_t append_arabic_word(std::string_view s, size_t pos, std::string& out,
                          std::vector<uint32_t>* map) {
  // The word's letters, normalised, with their source offsets.
  std::array<char32_t, 64> letters{};
  std::array<uint32_t, 64> at{};
  size_t n = 0;
  size_t i = pos;
  while (i < s.size()) {
    const char32_t c = two_byte(s, i);
    if (is_dropped(c)) {
      i += 2;
      continue;
    }
    if (!is_letter(c)) break;
    if (n == letters.size()) {
      // An absurdly long "word": emit what we have unsplit and go on with the rest later.
      break;
    }
    letters[n] = normalise(c);
    at[n] = static_cast<uint32_t>(i);
    ++n;
    i += 2;
  }
  // Proclitics, peeled while three letters remain after them.
  size_t k = 0;
  auto split = [&](size_t len) {
    for (size_t j = 0; j < len; ++j) put(letters[k + j], at[k + j], out, map);
    out += ' ';
    if (map) map->push_back(at[k + len]);
    k += len;
  };
  while (n - k > 3) {
    if (n - k >= 5 && letters[k] == 0x0627 && letters[k + 1] == 0x0644) {
      split(2);  // ال
    } else if (n - k >= 5 && letters[k] == 0x0644 && letters[k + 1] == 0x0644) {
      // لل is ل + ال with the alef elided ("للعراق" = "to the Iraq"): written out as "ل ال".
      put(0x0644, at[k], out, map);
      out += ' ';
      if (map) map->push_back(at[k + 1]);
      out += "\xd8\xa7";  // the elided alef, mapped to the second lam (keeps the map monotonic)
      if (map) {
        map->push_back(at[k + 1]);
        map->push_back(at[k + 1]);
      }
      put(0x0644, at[k + 1], out, map);
      out += ' ';
      if (map) map->push_back(at[k + 2]);
      k += 2;
    } else if (letters[k] == 0x0648 || letters[k] == 0x0641 || letters[k] == 0x0628 ||
               letters[k] == 0x0644 || letters[k] == 0x0643) {
      split(1);  // و ف ب ل ك
    } else {
      break;
    }
  }
  for (; k < n; ++k) put(letters[k], at[k], out, map);
  return i;
}

}  // namespace brinkwatch::text
