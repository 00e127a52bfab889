// Throughput of the aggregate stage on one core (the target: at least 100,000 signal
// records/s), and its memory per region.
//
// The stream: 2^18 brinkwatch.signal/1 records as the detect stage writes them (pipeline.h's
// to_signal_records), one a second of event time (about 3 days), for 960 countries and the 40
// sub-regions they belong to (1,000 region keys; every article gives a record for its country
// and one for its sub-region, so half the records go to sub-regions, which hold max_stories
// stories). Countries are skewed (/skewed:1, a few are in the news all the time) or uniform
// (/skewed:0); stories are of every signal type, a third of them syndicated or reprinted (one to
// fifty copies, from the same or other publishers, over six hours, with new datelines), and 2% of
// records are delivered twice, as at-least-once delivery does. Streams are built once at
// start-up (a few seconds each) and not timed; when a benchmark runs past the end it continues
// with the same records shifted by the stream's span, so state stays in its steady shape (every
// story older than the windows is gone by then).
//
//   BM_AggregateAdd          Aggregator::add() on parsed records (items/s: records/s), in steady
//                            state (after a first, untimed pass)
//   BM_AggregateParseAdd     SignalParser::parse() of the JSON record + add(), likewise
//   BM_AggregateParse        SignalParser::parse() alone
//   BM_AggregateMemory       one pass over the stream from empty state (items/s: its average
//                            rate), then per region: changelog bytes, heap bytes in use, RSS
//                            growth, stories held
//
// Run: build/bench/core_bench --benchmark_filter=Aggregate (a Release build; bench/README.md).
#include <benchmark/benchmark.h>

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/aggregate/aggregator.h"
#include "core/article.h"
#include "core/pipeline.h"
#include "core/text/text.h"
#include "corpus.h"

namespace brinkwatch::bench {
namespace {

using aggregate::Aggregator;
using aggregate::Alert;
using aggregate::SignalEvent;

constexpr size_t kCountries = 960;
constexpr size_t kSubRegions = 40;
constexpr size_t kRecords = 1 << 18;              // about 262,000 records
constexpr int64_t kSpacingMs = 1000;              // one record a second: 86,400 a day
constexpr int64_t kSpanMs = static_cast<int64_t>(kRecords) * kSpacingMs;  // 72.8 h, more than the 3-day window
constexpr int64_t kStartMs = 1740787200000LL;     // 2025-03-01T00:00:00Z

struct Stream {
  std::vector<std::string> keys;
  std::vector<std::string> json;
  std::vector<SignalEvent> events;
  size_t json_bytes = 0;
  size_t distinct_regions = 0;
};

constexpr const char* kTypes[] = {"military_deployment", "military_deployment", "threat_of_force", "threat_of_force",
                                  "use_of_force",        "use_of_force",        "use_of_force",    "coercive_measure",
                                  "arms_transfer",       "diplomatic_rupture",  "nuclear_posture", "regime_change_rhetoric",
                                  "de_escalation",       "de_escalation"};

// A story's text: about 120 words of the corpus vocabulary; its copies differ in the dateline.
std::string story_body(uint64_t seed) {
  Rng rng(seed);
  std::string body;
  while (body.size() < 700) {
    body += plain_sentence(rng);
    body += ' ';
  }
  return body;
}

struct Planned {
  int64_t published_ms = 0;
  size_t country = 0;
  size_t story = 0;
  size_t copy = 0;
  size_t publisher = 0;
  const char* type = "";
  double score = 0;
};

// `skewed`: countries drawn as u^3 (a tenth of the news is about the first country, a fifth
// about the first 1%), as a real feed is; else uniformly.
Stream make_stream(bool skewed) {
  Rng rng(20250301);
  // Stories until there are enough articles for kRecords records (two per article, 2% twice).
  std::vector<Planned> articles;
  const size_t wanted = kRecords / 2;
  size_t story = 0;
  while (articles.size() < wanted * 100 / 102) {
    const double u = static_cast<double>(rng.below(1000000)) / 1e6;
    const size_t country = std::min(kCountries - 1, static_cast<size_t>((skewed ? u * u * u : u) * kCountries));
    const char* type = rng.pick(kTypes);
    const double score = 0.5 + static_cast<double>(rng.below(500)) / 1000;
    const size_t roll = rng.below(100);
    const size_t copies = roll < 67 ? 1 : roll < 87 ? 2 + rng.below(3) : roll < 97 ? 5 + rng.below(11) : 20 + rng.below(31);
    const int64_t start = static_cast<int64_t>(rng.next() % static_cast<uint64_t>(kSpanMs));
    size_t publisher = rng.below(300);
    for (size_t c = 0; c < copies; ++c) {
      if (c > 0 && rng.chance(50)) publisher = rng.below(300);  // syndicated; else a reprint
      const int64_t offset = c == 0 ? 0 : static_cast<int64_t>(rng.next() % (6 * 3600 * 1000ULL));
      articles.push_back(Planned{(start + offset) % kSpanMs, country, story, c, publisher, type, score});
    }
    ++story;
  }
  std::sort(articles.begin(), articles.end(), [](const Planned& a, const Planned& b) { return a.published_ms < b.published_ms; });

  Stream s;
  aggregate::SignalParser parser;
  std::vector<std::string> bodies(story);
  for (size_t i = 0; i < articles.size() && s.json.size() < kRecords; ++i) {
    const Planned& a = articles[i];
    if (bodies[a.story].empty()) bodies[a.story] = story_body(a.story * 7919 + 1);
    brinkwatch::Article art;
    art.id = fmt::format("s{}-c{}", a.story, a.copy);
    art.source = fmt::format("Publisher {}", a.publisher);
    art.url = fmt::format("https://www.publisher{}.test/world/{}", a.publisher, art.id);
    art.title = fmt::format("Story {} in country {}", a.story, a.country);
    art.text = fmt::format("CITY {}, March {} (Wire) - {}", a.copy % 7, 1 + a.copy % 28, bodies[a.story]);
    const int64_t published = kStartMs + a.published_ms;
    art.published_at = format_rfc3339(published);
    art.published_ms = published;

    detect::Signal sig;
    sig.type = a.type;
    sig.score = a.score;
    sig.countries = {fmt::format("C{}", a.country)};
    sig.regions = {fmt::format("country:c{:03}", a.country), fmt::format("m49:{:03}", a.country % kSubRegions)};
    detect::Evidence ev;
    ev.sentence = art.text.substr(0, art.text.find('.') + 1);
    ev.field = "text";
    ev.end = static_cast<uint32_t>(ev.sentence.size());
    ev.terms = {"sent", "warships"};
    ev.rule_id = "en.bench";
    ev.score = a.score;
    sig.evidence = {ev};
    detect::Detection det;
    det.signals = {sig};
    det.lang = "en";
    const auto minhash = aggregate::minhash(text::fold_case(art.text));
    const int64_t detected = published + 2000 + static_cast<int64_t>(rng.below(60000));
    const int copies = rng.chance(2) ? 2 : 1;  // at-least-once: a record delivered again
    for (int k = 0; k < copies; ++k) {
      for (auto& rec : to_signal_records(art, det, "bench-rules", detected, minhash)) {
        if (s.json.size() == kRecords) break;
        s.json_bytes += rec.value.size();
        s.keys.push_back(std::move(rec.key));
        s.json.push_back(std::move(rec.value));
      }
    }
  }
  s.events.reserve(s.json.size());
  std::vector<std::string> regions;
  for (size_t i = 0; i < s.json.size(); ++i) {
    auto ev = parser.parse(s.json[i], s.keys[i]);
    if (!ev) throw std::runtime_error("bench record does not parse: " + ev.error().message);
    regions.push_back(ev->region);
    s.events.push_back(std::move(ev.value()));
  }
  std::sort(regions.begin(), regions.end());
  s.distinct_regions = static_cast<size_t>(std::unique(regions.begin(), regions.end()) - regions.begin());
  return s;
}

const Stream& stream(bool skewed) {
  if (skewed) {
    static const Stream s = make_stream(true);
    return s;
  }
  static const Stream s = make_stream(false);
  return s;
}

std::shared_ptr<const aggregate::Options> options() {
  static const auto o = std::make_shared<const aggregate::Options>();
  return o;
}

// The same record, `cycle` stream spans later.
void shift(SignalEvent& ev, int64_t cycle) {
  if (ev.published_ms >= 0) ev.published_ms += cycle * kSpanMs;
  ev.detected_ms += cycle * kSpanMs;
}

void report(benchmark::State& state, size_t alerts, const Aggregator& agg) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetLabel("signal records");
  state.counters["alerts_per_1k_records"] =
      benchmark::Counter(1000.0 * static_cast<double>(alerts) / static_cast<double>(state.iterations()));
  state.counters["regions"] = benchmark::Counter(static_cast<double>(agg.regions()));
}

// An aggregator in steady state: it has seen one whole pass of the stream (untimed, on first use),
// and every benchmark continues the stream where the last one left off, so what is timed is
// regions full of three days of stories, not a ramp-up from empty state.
struct Warm {
  Aggregator agg{options()};
  std::vector<SignalEvent> events;  // the records of the current pass, shifted to it
  size_t next = 0;
  int64_t cycle = 1;

  explicit Warm(const Stream& s) : events(s.events) {
    std::vector<Alert> out;
    for (const auto& ev : events) {
      agg.add(ev, out);
      out.clear();
    }
    for (auto& ev : events) shift(ev, 1);
  }
  // Moves to the next record; at the end of a pass, shifts the records to the next one.
  void advance(benchmark::State& state) {
    if (++next < events.size()) return;
    state.PauseTiming();
    for (auto& ev : events) shift(ev, 1);
    state.ResumeTiming();
    next = 0;
    ++cycle;
  }
};

Warm& warm(bool skewed) {
  if (skewed) {
    static Warm w(stream(true));
    return w;
  }
  static Warm w(stream(false));
  return w;
}

void BM_AggregateAdd(benchmark::State& state) {
  Warm& w = warm(state.range(0) != 0);
  std::vector<Alert> out;
  size_t alerts = 0;
  for (auto _ : state) {
    w.agg.add(w.events[w.next], out);
    alerts += out.size();
    out.clear();
    w.advance(state);
  }
  report(state, alerts, w.agg);
}
BENCHMARK(BM_AggregateAdd)->ArgName("skewed")->Arg(1)->Arg(0);

void BM_AggregateParseAdd(benchmark::State& state) {
  const Stream& s = stream(state.range(0) != 0);
  Warm& w = warm(state.range(0) != 0);
  aggregate::SignalParser parser;
  std::vector<Alert> out;
  size_t alerts = 0, bytes = 0;
  for (auto _ : state) {
    auto ev = parser.parse(s.json[w.next], s.keys[w.next]);
    if (!ev) {
      state.SkipWithError("record does not parse");
      break;
    }
    shift(*ev, w.cycle);
    w.agg.add(*ev, out);
    bytes += s.json[w.next].size();
    alerts += out.size();
    out.clear();
    w.advance(state);
  }
  report(state, alerts, w.agg);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_AggregateParseAdd)->ArgName("skewed")->Arg(1)->Arg(0);

// SignalParser::parse alone, for the split of BM_AggregateParseAdd.
void BM_AggregateParse(benchmark::State& state) {
  const Stream& s = stream(true);
  aggregate::SignalParser parser;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    auto ev = parser.parse(s.json[i], s.keys[i]);
    benchmark::DoNotOptimize(ev);
    bytes += s.json[i].size();
    if (++i == s.json.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetLabel("signal records");
}
BENCHMARK(BM_AggregateParse);

// Resident set size from /proc/self/statm, in bytes.
size_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// One pass over the stream (about three days of event time, so every region's state holds the
// full alert window), then the state's size per region: changelog bytes (take_changes(), every
// region changed: what a restore reads), heap bytes in use (mallinfo2) and RSS growth (the heap
// plus the allocator's slack; an upper bound).
void BM_AggregateMemory(benchmark::State& state) {
  const Stream& s = stream(state.range(0) != 0);
  size_t changelog = 0, heap_growth = 0, rss_growth = 0, regions = 0, records = 0, stories = 0, max_stories = 0;
  for (auto _ : state) {
    state.PauseTiming();
    malloc_trim(0);
    const size_t rss_before = rss_bytes();
    const size_t heap_before = mallinfo2().uordblks;
    state.ResumeTiming();
    auto agg = std::make_unique<Aggregator>(options());
    std::vector<Alert> out;
    for (const auto& ev : s.events) {
      agg->add(ev, out);
      out.clear();
    }
    records += s.events.size();
    state.PauseTiming();
    heap_growth = mallinfo2().uordblks - std::min(heap_before, mallinfo2().uordblks);
    const size_t rss_after = rss_bytes();
    rss_growth = rss_after - std::min(rss_before, rss_after);
    changelog = 0;
    stories = 0;
    max_stories = 0;
    for (const auto& [k, v] : agg->take_changes()) {
      if (k == "~partition") continue;
      changelog += k.size() + v.size();
      size_t n = 0;
      for (size_t at = v.find("\"signatures\""); at != std::string::npos; at = v.find("\"signatures\"", at + 1)) ++n;
      stories += n;
      max_stories = std::max(max_stories, n);
    }
    regions = agg->regions();
    agg.reset();
    state.ResumeTiming();
  }
  const auto per_region = [&](size_t bytes) {
    return benchmark::Counter(static_cast<double>(bytes) / static_cast<double>(std::max<size_t>(regions, 1)));
  };
  state.SetItemsProcessed(static_cast<int64_t>(records));
  state.counters["regions"] = benchmark::Counter(static_cast<double>(regions));
  state.counters["changelog_bytes_per_region"] = per_region(changelog);
  state.counters["heap_bytes_per_region"] = per_region(heap_growth);
  state.counters["rss_bytes_per_region"] = per_region(rss_growth);
  state.counters["stories_per_region"] = per_region(stories);
  state.counters["max_stories_in_a_region"] = benchmark::Counter(static_cast<double>(max_stories));
  state.counters["json_bytes_per_record"] =
      benchmark::Counter(static_cast<double>(s.json_bytes) / static_cast<double>(s.json.size()));
}
BENCHMARK(BM_AggregateMemory)->ArgName("skewed")->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace brinkwatch::bench
