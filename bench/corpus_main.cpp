// bench_corpus N [SEED]: writes N synthetic articles (bench/corpus.h) as JSON lines to stdout,
// for measuring `brinkwatch classify` end to end (docs/performance.md).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "corpus.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_corpus N [SEED]\n");
    return 2;
  }
  const size_t n = std::strtoull(argv[1], nullptr, 10);
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 42;
  for (size_t i = 0; i < n; ++i) {
    const std::string line = brinkwatch::bench::make_article(seed, i);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
  }
  return 0;
}
