// Case folding that preserves byte length, so the folded copy shares every offset with the text.
#include <utf8proc.h>

#include <cstring>

#include "core/text/text.h"
#include "core/text/utf8_internal.h"

namespace brinkwatch::text {

std::string fold_case(std::string_view s) {
  std::string out(s);
  size_t i = 0;
  while (i < out.size()) {
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
