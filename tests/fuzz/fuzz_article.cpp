// Bytes as a Kafka message body → decode → clean → detect with the shipped rules: the whole
// per-message path of DETECT. The engine is compiled once; every input must come back as a
// value (an Article or an Error), never as a crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "app/config.h"
#include "core/article.h"
#include "core/detect/detector.h"
#include "core/pipeline.h"

namespace {

struct Fixture {
  brinkwatch::app::Config config;
  std::shared_ptr<const brinkwatch::detect::Engine> engine;
  std::unique_ptr<brinkwatch::ArticleDecoder> decoder;
  std::unique_ptr<brinkwatch::detect::Detector> detector;

  Fixture() {
    brinkwatch::rules::Diagnostics diags;
    config = brinkwatch::app::load_config(BRINKWATCH_SOURCE_DIR "/config/brinkwatch.yaml", diags);
    if (!diags.has_errors()) engine = brinkwatch::app::load_engine(config, diags);
    if (!engine) {
      // A broken shipped config is not a finding of this fuzzer: stop loudly instead.
      std::fprintf(stderr, "fuzz_article: cannot load the shipped config:\n%s\n", diags.str().c_str());
      std::abort();
    }
    decoder = std::make_unique<brinkwatch::ArticleDecoder>(config.fields, config.limits);
    brinkwatch::detect::DetectOptions options = config.detect;
    options.explain = true;  // exercise the trace path too
    detector = std::make_unique<brinkwatch::detect::Detector>(options);
  }
};

Fixture& fixture_instance() {
  static Fixture fixture;
  return fixture;
}

}  // namespace

// The engine (six languages, built under sanitizers) takes longer than libFuzzer's per-input
// timeout to compile, so it is built here, before the first input is timed.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  fixture_instance();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Fixture& fixture = fixture_instance();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto article = fixture.decoder->decode(input);
  if (!article) return 0;
  const brinkwatch::text::Document doc = brinkwatch::prepare_document(*article);
  const brinkwatch::detect::Detection detection = fixture.detector->detect(*fixture.engine, doc);
  const std::string line = brinkwatch::to_json_line(*article, detection, fixture.engine->version());
  if (line.empty()) std::abort();  // every decoded article has an output record
  return 0;
}
