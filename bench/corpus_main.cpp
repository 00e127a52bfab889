// bench_corpus N [SEED [QUIET_PERCENT]]: writes N synthetic articles (bench/corpus.h) as JSON
// lines to stdout, for measuring `brinkwatch classify` and the detect stage end to end
// (docs/performance.md). QUIET_PERCENT of the articles (spread evenly) have no escalation
// sentence at all, for a mix closer to real news than the dense default (0: nine in ten
// articles give a signal).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "corpus.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_corpus N [SEED [QUIET_PERCENT]]\n");
    return 2;
  }
  const size_t n = std::strtoull(argv[1], nullptr, 10);
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 42;
  const auto quiet = static_cast<unsigned>(argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 0);
  for (size_t i = 0; i < n; ++i) {
    const std::string line = brinkwatch::bench::corpus_article(seed, i, quiet);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
  }
  return 0;
}
