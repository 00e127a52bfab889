// UTF-8 validation and repair. Most articles are ASCII or nearly so, hence the 8-byte fast path.
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/text/text.h"
#include "core/text/utf8_internal.h"

namespace brinkwatch::text {
namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// Length of the leading run of s[i..] made of 8-byte blocks that are pure ASCII.
size_t ascii_blocks(std::string_view s, size_t i) {
  const size_t start = i;
  while (i + 8 <= s.size()) {
    uint64_t block = 0;
    std::memcpy(&block, s.data() + i, 8);
    if ((block & kHighBits) != 0) break;
    i += 8;
  }
  return i - start;
}

bool is_bad_control(unsigned char c) { return c < 0x20 && c != '\t' && c != '\n' && c != '\r'; }

}  // namespace

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    i += ascii_blocks(s, i);
    if (i >= s.size()) break;
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const detail::Decoded d = detail::decode_utf8(s, i);
    if (!d.ok) return false;
    i += d.len;
  }
  return true;
}

std::string repair_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const size_t run = ascii_blocks(s, i);
    if (run > 0) {
      // Controls are ASCII too, so the block still needs a per-byte look, but no decoding.
      for (size_t k = i; k < i + run; ++k) {
        out.push_back(is_bad_control(static_cast<unsigned char>(s[k])) ? ' ' : s[k]);
      }
      i += run;
      continue;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(is_bad_control(c) ? ' ' : s[i]);
      ++i;
      continue;
    }
    const detail::Decoded d = detail::decode_utf8(s, i);
    if (d.ok) {
      out.append(s.data() + i, d.len);
    } else {
      detail::append_utf8(out, 0xFFFD);
    }
    i += d.len;
  }
  return out;
}

namespace detail {

bool needs_repair(std::string_view s) {
  // One pass (it runs on every title and body): printable ASCII is skipped by whole blocks;
  // anything else (a control, maybe a harmless \n, or a non-ASCII byte) is looked at byte
  // by byte.
  size_t i = 0;
  while (i < s.size()) {
#if defined(__SSE2__)
    // 16 bytes at a time: a signed compare flags the bytes below 0x20 and, being negative, the
    // non-ASCII ones; the scan jumps to the first of them.
    const __m128i space = _mm_set1_epi8(0x20);
    while (i + 16 <= s.size()) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
      const auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmplt_epi8(v, space)));
      if (mask != 0) {
        i += static_cast<size_t>(__builtin_ctz(mask));
        break;
      }
      i += 16;
    }
#endif
    while (i + 8 <= s.size()) {
      uint64_t block = 0;
      std::memcpy(&block, s.data() + i, 8);
      // With no high bit set, a byte below 0x20 is exactly one that borrows when 0x20 is taken
      // from it ("hasless" of Bit Twiddling Hacks).
      const bool low = ((block - 0x2020202020202020ULL) & ~block & kHighBits) != 0;
      if ((block & kHighBits) != 0 || low) break;
      i += 8;
    }
    if (i >= s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (is_bad_control(c)) return true;
      ++i;
      continue;
    }
    const Decoded d = decode_utf8(s, i);
    if (!d.ok) return true;
    i += d.len;
  }
  return false;
}

}  // namespace detail
}  // namespace brinkwatch::text
