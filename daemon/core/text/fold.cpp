// Case folding that preserves byte length, so the folded copy shares every offset with the text.
#include <utf8proc.h>

#include <cstdint>
#include <cstring>

#include "core/text/text.h"
#include "core/text/utf8_internal.h"

namespace brinkwatch::text {
namespace {
constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighBits = 0x8080808080808080ULL;
}  // namespace

std::string fold_case(std::string_view s) {
  std::string out(s);
  size_t i = 0;
  while (i < out.size()) {
    // Most text is ASCII: 8 bytes at a time, A-Z lowered without a branch per byte. Adding
    // 0x80-'A' (or 0x80-'Z'-1) to a byte below 0x80 cannot carry into the next one, and sets its
    // high bit exactly when the byte is >= 'A' (or > 'Z').
    while (i + 8 <= out.size()) {
      uint64_t block = 0;
      std::memcpy(&block, out.data() + i, 8);
      if ((block & kHighBits) != 0) break;
      const uint64_t ge_a = block + kOnes * (0x80 - 'A');
      const uint64_t gt_z = block + kOnes * (0x80 - 'Z' - 1);
      block |= ((ge_a & ~gt_z) & kHighBits) >> 2;  // 0x80 >> 2 == 'a' - 'A'
      std::memcpy(out.data() + i, &block, 8);
      i += 8;
    }
    if (i >= out.size()) break;
    const auto c = static_cast<unsigned char>(out[i]);
    if (c < 0x80) {
      if (c >= 'A' && c <= 'Z') out[i] = static_cast<char>(c + ('a' - 'A'));
      ++i;
      continue;
    }
    const detail::Decoded d = detail::decode_utf8(out, i);
    if (d.ok) {
      const auto lower =
          static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(d.cp)));
      // Length-changing mappings (U+0130 İ -> i, U+212A KELVIN SIGN -> k, U+1E9E ẞ -> ß) are
      // left alone: a shared offset space matters more than folding those few characters.
      if (lower != d.cp && detail::utf8_length(lower) == d.len) {
        char buf[4];
        detail::encode_utf8(lower, buf);
        std::memcpy(out.data() + i, buf, d.len);
      }
    }
    i += d.len;  // ill-formed bytes pass through unchanged
  }
  return out;
}

}  // namespace brinkwatch::text
