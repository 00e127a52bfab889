#include "core/aggregate/minhash.h"

#include <cstring>

#include "core/article.h"

namespace brinkwatch::aggregate {

namespace {

bool word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

// FNV-1a spreads short, similar strings poorly over the high bits that choose the bin; the
// splitmix64 finaliser makes every bit depend on every input byte.
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

constexpr uint64_t kEmpty = ~uint64_t{0};

}  // namespace

MinHash minhash(std::string_view folded, const std::vector<text::Span>& skip) {
  std::array<uint64_t, kMinHashSlots> bins;
  bins.fill(kEmpty);
  auto put = [&](uint64_t h) {
    const size_t bin = h >> 58;
    const uint64_t v = h & ((uint64_t{1} << 58) - 1);
    if (v < bins[bin]) bins[bin] = v;
  };
  uint64_t words[3] = {0, 0, 0};
  size_t count = 0;
  size_t next_skip = 0;
  size_t i = 0;
  const size_t n = folded.size();
  while (i < n) {
    while (next_skip < skip.size() && skip[next_skip].end <= i) ++next_skip;
    if (next_skip < skip.size() && skip[next_skip].begin <= i) {
      i = skip[next_skip].end;
      continue;
    }
    if (!word_byte(static_cast<unsigned char>(folded[i]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < n && word_byte(static_cast<unsigned char>(folded[j]))) ++j;
    words[0] = words[1];
    words[1] = words[2];
    words[2] = fnv1a64(folded.substr(i, j - i));
    ++count;
    if (count >= 3) put(mix(words[0] ^ mix(words[1] ^ mix(words[2]))));
    i = j;
  }
  MinHash out{};
  if (count == 0) return out;
  if (count < 3) {
    for (size_t k = 3 - count; k < 3; ++k) put(mix(words[k]));
  }
  for (size_t b = 0; b < kMinHashSlots; ++b) {
    size_t d = 0;
    while (bins[(b + d) % kMinHashSlots] == kEmpty) ++d;
    // A borrowed value is offset by its distance, so two empty bins only agree when the
    // texts agree on where their values came from.
    out[b] = static_cast<uint16_t>((bins[(b + d) % kMinHashSlots] >> 42) + d * 0x9e37);
  }
  return out;
}

MinHash minhash(const text::Document& doc) { return minhash(doc.folded, doc.chrome); }

double similarity(const MinHash& a, const MinHash& b) {
  // Four 16-bit slots per 64-bit word: a slot is equal when its lanes XOR to zero. The hot loop
  // of near-duplicate search, so counted without branches (SWAR).
  constexpr uint64_t kLow = 0x7fff7fff7fff7fffULL;
  constexpr uint64_t kHigh = 0x8000800080008000ULL;
  int equal = 0;
  for (size_t i = 0; i < kMinHashSlots; i += 4) {
    uint64_t x, y;
    std::memcpy(&x, &a[i], sizeof x);
    std::memcpy(&y, &b[i], sizeof y);
    const uint64_t d = x ^ y;
    const uint64_t nonzero = (((d & kLow) + kLow) | d) & kHigh;
    // Sum the four flags with a multiply: Debian's x86-64 baseline has no POPCNT instruction,
    // and the library call for __builtin_popcountll cost more than the comparison itself.
    equal += 4 - static_cast<int>(((nonzero >> 15) * 0x0001000100010001ULL) >> 48);
  }
  return static_cast<double>(equal) / kMinHashSlots;
}

std::string to_hex(const MinHash& m) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(kMinHashSlots * 4);
  for (uint16_t v : m) {
    for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kDigits[(v >> shift) & 0xf]);
  }
  return out;
}

std::optional<MinHash> minhash_from_hex(std::string_view hex) {
  if (hex.size() != kMinHashSlots * 4) return std::nullopt;
  MinHash m{};
  for (size_t i = 0; i < hex.size(); ++i) {
    const char c = hex[i];
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    m[i / 4] = static_cast<uint16_t>((m[i / 4] << 4) | v);
  }
  return m;
}

}  // namespace brinkwatch::aggregate
