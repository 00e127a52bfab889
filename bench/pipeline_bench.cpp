// Throughput of each stage of the per-message path on the synthetic corpus (corpus.h), with the
// engine of the shipped config: decode, document (repair + clean + split + fold), match (detect
// on prepared documents) and the whole classify path. One article per iteration; bytes are the
// article's JSON size for decode/classify and its title + text size for document/match.
// How to run and read: bench/README.md. Measured figures: docs/performance.md.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/config.h"
#include "core/article.h"
#include "core/pipeline.h"
#include "corpus.h"

namespace brinkwatch::bench {
namespace {

constexpr size_t kArticles = 1000;  // about 5 MB: larger than the caches, as a stream would be

struct Fixture {
  app::Config config;
  std::shared_ptr<const detect::Engine> engine;
  std::vector<std::string> json;
  std::vector<Article> articles;
  std::vector<text::Document> docs;
  size_t json_bytes = 0;
  size_t text_bytes = 0;

  explicit Fixture(unsigned quiet_percent = 0) {
    rules::Diagnostics diags;
    const char* env = std::getenv("BRINKWATCH_BENCH_CONFIG");
    config = app::load_config(env ? env : BRINKWATCH_SOURCE_DIR "/config/brinkwatch.yaml", diags);
    if (!diags.has_errors()) engine = app::load_engine(config, diags);
    if (!engine) throw std::runtime_error("cannot build the engine:\n" + diags.str());
    json = make_corpus(kArticles, 42, quiet_percent);
    ArticleDecoder decoder(config.fields, config.limits);
    for (const auto& j : json) {
      auto a = decoder.decode(j);
      if (!a) throw std::runtime_error("corpus article does not decode: " + a.error().message);
      json_bytes += j.size();
      text_bytes += a->title.size() + a->text.size();
      docs.push_back(prepare_document(*a));
      articles.push_back(std::move(a.value()));
    }
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

// The same with 95 articles in 100 quiet: close to general news, where about one article in
// twenty gives a signal (docs/performance.md).
const Fixture& quiet_fixture() {
  static const Fixture f(95);
  return f;
}

// Per-iteration byte counts average over the corpus: every iteration takes the next article.
void report(benchmark::State& state, size_t total_bytes) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(total_bytes / kArticles));
  state.SetLabel("articles");
}

// A count over the run as a per-article average (signals, records).
void per_article(benchmark::State& state, const char* name, size_t count) {
  state.counters[name] = benchmark::Counter(static_cast<double>(count) / static_cast<double>(state.iterations()));
}

// detected_at of the records built here (any fixed instant: it only appears in the output).
constexpr int64_t kDetectedMs = 1795000000000;

void BM_Decode(benchmark::State& state) {
  const Fixture& f = fixture();
  ArticleDecoder decoder(f.config.fields, f.config.limits);
  size_t i = 0;
  for (auto _ : state) {
    auto a = decoder.decode(f.json[i]);
    benchmark::DoNotOptimize(a);
    if (++i == kArticles) i = 0;
  }
  report(state, f.json_bytes);
}
BENCHMARK(BM_Decode);

void BM_MakeDocument(benchmark::State& state) {
  const Fixture& f = fixture();
  size_t i = 0;
  for (auto _ : state) {
    auto doc = prepare_document(f.articles[i]);
    benchmark::DoNotOptimize(doc);
    if (++i == kArticles) i = 0;
  }
  report(state, f.text_bytes);
}
BENCHMARK(BM_MakeDocument);

void BM_Match(benchmark::State& state) {
  const Fixture& f = fixture();
  detect::Detector detector(f.config.detect);
  size_t i = 0, signals = 0;
  for (auto _ : state) {
    auto det = detector.detect(*f.engine, f.docs[i]);
    signals += det.signals.size();
    benchmark::DoNotOptimize(det);
    if (++i == kArticles) i = 0;
  }
  report(state, f.text_bytes);
  per_article(state, "signals_per_article", signals);
}
BENCHMARK(BM_Match);

void BM_Classify(benchmark::State& state) {
  const Fixture& f = fixture();
  ArticleDecoder decoder(f.config.fields, f.config.limits);
  detect::Detector detector(f.config.detect);
  size_t i = 0;
  for (auto _ : state) {
    auto a = decoder.decode(f.json[i]);
    if (a) {
      auto det = detector.detect(*f.engine, prepare_document(*a));
      benchmark::DoNotOptimize(det);
    }
    if (++i == kArticles) i = 0;
  }
  report(state, f.json_bytes);
}
BENCHMARK(BM_Classify);

// The classify path plus the output line, as `brinkwatch classify` writes it.
void BM_ClassifyToJson(benchmark::State& state) {
  const Fixture& f = fixture();
  ArticleDecoder decoder(f.config.fields, f.config.limits);
  detect::Detector detector(f.config.detect);
  size_t i = 0;
  for (auto _ : state) {
    auto a = decoder.decode(f.json[i]);
    if (a) {
      auto det = detector.detect(*f.engine, prepare_document(*a));
      auto line = to_json_line(*a, det, f.engine->version());
      benchmark::DoNotOptimize(line);
    }
    if (++i == kArticles) i = 0;
  }
  report(state, f.json_bytes);
}
BENCHMARK(BM_ClassifyToJson);

// The article's MinHash signature (near-duplicate detection downstream), from its document.
void BM_MinHash(benchmark::State& state) {
  const Fixture& f = fixture();
  size_t i = 0;
  for (auto _ : state) {
    auto m = aggregate::minhash(f.docs[i]);
    benchmark::DoNotOptimize(m);
    if (++i == kArticles) i = 0;
  }
  report(state, f.text_bytes);
}
BENCHMARK(BM_MinHash);

// The brinkwatch.signal/1 records of an article already detected (one per signal and region).
void BM_SignalRecords(benchmark::State& state) {
  const Fixture& f = fixture();
  detect::Detector detector(f.config.detect);
  std::vector<detect::Detection> dets;
  std::vector<aggregate::MinHash> hashes;
  for (size_t k = 0; k < kArticles; ++k) {
    dets.push_back(detector.detect(*f.engine, f.docs[k]));
    hashes.push_back(aggregate::minhash(f.docs[k]));
  }
  size_t i = 0;
  size_t records = 0;
  for (auto _ : state) {
    auto out = to_signal_records(f.articles[i], dets[i], f.engine->version(), kDetectedMs, hashes[i]);
    records += out.size();
    benchmark::DoNotOptimize(out);
    if (++i == kArticles) i = 0;
  }
  report(state, f.json_bytes);
  per_article(state, "records_per_article", records);
}
BENCHMARK(BM_SignalRecords);

// What a worker of the detect stage does per article, without Kafka: the classify path, the
// article's MinHash and its brinkwatch.signal/1 records (one per signal and region).
void BM_DetectStageWork(benchmark::State& state) {
  const Fixture& f = state.range(0) ? quiet_fixture() : fixture();
  ArticleDecoder decoder(f.config.fields, f.config.limits);
  detect::Detector detector(f.config.detect);
  size_t i = 0;
  size_t records = 0;
  for (auto _ : state) {
    auto a = decoder.decode(f.json[i]);
    if (a) {
      const text::Document doc = prepare_document(*a);
      auto det = detector.detect(*f.engine, doc);
      auto out = to_signal_records(*a, doc, det, f.engine->version(), kDetectedMs);
      records += out.size();
      benchmark::DoNotOptimize(out);
    }
    if (++i == kArticles) i = 0;
  }
  report(state, f.json_bytes);
  per_article(state, "records_per_article", records);
}
BENCHMARK(BM_DetectStageWork)->ArgName("quiet")->Arg(0)->Arg(95);

// Reading and compiling the shipped rules and gazetteer: what a reload costs, off the hot path.
void BM_EngineBuild(benchmark::State& state) {
  const Fixture& f = fixture();
  for (auto _ : state) {
    rules::Diagnostics diags;
    auto engine = app::load_engine(f.config, diags);
    if (!engine) state.SkipWithError("engine build failed");
    benchmark::DoNotOptimize(engine);
  }
}
BENCHMARK(BM_EngineBuild)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace brinkwatch::bench
