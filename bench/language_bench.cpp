// Throughput per language with the full six-language lexicon loaded. The corpus is built from
// this project's own YAML rule tests (tests/rules/<lang>/*.yaml): their texts, concatenated into
// articles of about 5 KB, so every language is measured on news-like text of its own, with a
// realistic share of escalation sentences. Language is left to detection, as for a producer
// that sends no `lang`. Figures: docs/performance.md.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "app/config.h"
#include "core/article.h"
#include "core/pipeline.h"

namespace brinkwatch::bench {
namespace {

constexpr size_t kArticleBytes = 5000;
constexpr size_t kArticles = 200;

std::shared_ptr<const detect::Engine> shipped_engine() {
  static const std::shared_ptr<const detect::Engine> engine = [] {
    rules::Diagnostics diags;
    const char* env = std::getenv("BRINKWATCH_BENCH_CONFIG");  // e.g. an English-only config
    auto config = app::load_config(env ? env : BRINKWATCH_SOURCE_DIR "/config/brinkwatch.yaml", diags);
    std::shared_ptr<const detect::Engine> e;
    if (!diags.has_errors()) e = app::load_engine(config, diags);
    if (!e) throw std::runtime_error("cannot build the engine:\n" + diags.str());
    return e;
  }();
  return engine;
}

// Articles of about 5 KB made of a language's rule-test texts, cycled.
std::vector<Article> language_corpus(const std::string& lang) {
  std::vector<std::string> texts;
  const std::filesystem::path dir = std::filesystem::path(BRINKWATCH_SOURCE_DIR) / "tests/rules" / lang;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const YAML::Node root = YAML::LoadFile(entry.path().string());
    for (const auto& c : root["cases"]) texts.push_back(c["text"].as<std::string>());
  }
  if (texts.empty()) throw std::runtime_error("no rule tests for " + lang);
  std::vector<Article> out;
  size_t next = 0;
  for (size_t i = 0; i < kArticles; ++i) {
    Article a;
    a.id = lang + "-" + std::to_string(i);
    while (a.text.size() < kArticleBytes) {
      a.text += texts[next++ % texts.size()];
      a.text += next % 4 == 0 ? "\n\n" : " ";
    }
    out.push_back(std::move(a));
  }
  return out;
}

void BM_ClassifyLanguage(benchmark::State& state, const std::string& lang) {
  const auto engine = shipped_engine();
  const auto corpus = language_corpus(lang);
  detect::Detector detector;
  size_t i = 0, bytes = 0, signals = 0;
  for (auto _ : state) {
    const Article& a = corpus[i++ % corpus.size()];
    const auto det = detector.detect(*engine, prepare_document(a));
    signals += det.signals.size();
    bytes += a.text.size();
    benchmark::DoNotOptimize(det);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["signals_per_article"] = static_cast<double>(signals) / static_cast<double>(state.iterations());
}

BENCHMARK_CAPTURE(BM_ClassifyLanguage, en, std::string("en"));
BENCHMARK_CAPTURE(BM_ClassifyLanguage, es, std::string("es"));
BENCHMARK_CAPTURE(BM_ClassifyLanguage, fr, std::string("fr"));
BENCHMARK_CAPTURE(BM_ClassifyLanguage, ru, std::string("ru"));
BENCHMARK_CAPTURE(BM_ClassifyLanguage, ar, std::string("ar"));
BENCHMARK_CAPTURE(BM_ClassifyLanguage, zh, std::string("zh"));

}  // namespace
}  // namespace brinkwatch::bench
