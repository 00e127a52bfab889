// A synthetic corpus for benchmarks: deterministic pseudo-random English news-like articles of
// about 5 KB as JSON lines, built from a small vocabulary written for this file, with real
// country and theatre names (so attribution has work to do) and, in some sentences, escalation
// phrases (so confirmation, modifiers and attribution run, not only the scan).
//
// Not realistic text and not a quality measure: it exists so throughput can be measured and
// compared between commits on the same machine. The same seed gives the same corpus everywhere.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace brinkwatch::bench {

// splitmix64: small, fast, and identical on every platform (std::mt19937 distributions are not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
  bool chance(unsigned percent) { return below(100) < percent; }
  template <class C>
  const auto& pick(const C& c) {
    return c[below(std::size(c))];
  }

 private:
  uint64_t state_;
};

namespace vocab {

inline constexpr std::array<std::string_view, 24> kSubjects{
    "The ministry", "Local officials", "A spokesperson", "The regional council", "Analysts",
    "The committee", "Residents", "The governor", "Trade negotiators", "Aid workers",
    "The central bank", "Opposition lawmakers", "The port authority", "Farmers' groups",
    "The foreign minister", "Diplomats", "A senior adviser", "The electoral commission",
    "Business leaders", "The health agency", "Engineers", "The statistics office",
    "Community leaders", "University researchers"};

inline constexpr std::array<std::string_view, 24> kVerbs{
    "said", "announced", "reported", "warned", "confirmed", "noted", "argued", "estimated",
    "acknowledged", "suggested", "insisted", "explained", "predicted", "denied", "welcomed",
    "questioned", "stressed", "recalled", "added", "observed", "expected", "proposed",
    "criticised", "described"};

inline constexpr std::array<std::string_view, 40> kNouns{
    "budget", "harvest", "election", "bridge", "pipeline", "inflation", "rainfall", "tariff",
    "hospital", "railway", "currency", "border crossing", "shipping lane", "grain exports",
    "power grid", "fishing fleet", "school year", "housing market", "water supply", "tourism",
    "fuel prices", "labour market", "coalition", "reform package", "census", "airport",
    "vaccination campaign", "road network", "trade deficit", "coastline", "refinery",
    "mining sector", "ferry service", "bond market", "wheat prices", "court ruling",
    "investment plan", "cabinet reshuffle", "drought", "textile industry"};

inline constexpr std::array<std::string_view, 20> kAdjectives{
    "new", "long-delayed", "controversial", "modest", "ambitious", "regional", "annual",
    "temporary", "record", "disputed", "costly", "fragile", "gradual", "sharp", "weekly",
    "planned", "second", "national", "cautious", "unexpected"};

inline constexpr std::array<std::string_view, 16> kTails{
    "over the coming months", "according to figures released on Tuesday",
    "despite objections from neighbouring districts", "after weeks of debate",
    "in a statement late on Friday", "ahead of next year's budget talks",
    "for the third time this year", "as prices continued to climb", "in the capital",
    "at a news conference", "following a review by independent auditors",
    "amid growing public frustration", "before the holiday season", "in rural areas",
    "as repairs resumed", "earlier than planned"};

// Real places, so the gazetteer hits and attribution runs.
inline constexpr std::array<std::string_view, 28> kPlaces{
    "Venezuela", "Colombia", "Taiwan", "China", "the Philippines", "Japan", "Ukraine", "Russia",
    "Poland", "Iran", "Israel", "Lebanon", "Syria", "Yemen", "Sudan", "Ethiopia", "Mali",
    "Niger", "India", "Pakistan", "Armenia", "Azerbaijan", "Serbia", "Kosovo", "North Korea",
    "South Korea", "the Caribbean", "the South China Sea"};

inline constexpr std::array<std::string_view, 10> kActors{
    "The United States", "Washington", "Moscow", "Beijing", "The Kremlin", "Tehran",
    "The Pentagon", "France", "Turkey", "Britain"};

// Sentences that should produce signals; "{A}" is an actor, "{P}" a place.
inline constexpr std::array<std::string_view, 18> kEscalation{
    "{A} sent three destroyers toward {P} on Monday, two officials said.",
    "Thousands of troops were massed near the border with {P}, satellite images showed.",
    "Artillery shelled villages in {P} overnight, killing at least four people.",
    "{A} imposed new sanctions on {P} over its missile programme.",
    "{P} expelled the ambassador of {A} and recalled its own envoy.",
    "{A} and {P} agreed a ceasefire after two days of talks.",
    "{A} threatened military action against {P} if the blockade continued.",
    "{P} test-fired a ballistic missile into the sea, the defence ministry said.",
    "{A} said it would supply air defence systems to {P} within weeks.",
    "Warplanes carried out air strikes on targets in {P}, the army said.",
    "{A} put its forces on high alert as tensions with {P} rose.",
    "{A} did not deploy additional warships to {P}, a spokesman said.",
    "{A} could send troops to {P} if the situation worsened, an adviser said.",
    "Naval drills began off the coast of {P} on Thursday.",
    "{A} called for the overthrow of the government in {P}.",
    "{A} suspended diplomatic relations with {P}.",
    "Drones attacked an oil depot in {P} before dawn.",
    "{A} warned {P} of severe consequences over the border incident."};

}  // namespace vocab

inline std::string fill(std::string_view tmpl, Rng& rng) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '{' && i + 2 < tmpl.size() && tmpl[i + 2] == '}') {
      out += tmpl[i + 1] == 'A' ? rng.pick(vocab::kActors) : rng.pick(vocab::kPlaces);
      i += 2;
    } else {
      out += tmpl[i];
    }
  }
  return out;
}

inline std::string plain_sentence(Rng& rng) {
  std::string s(rng.pick(vocab::kSubjects));
  s += ' ';
  s += rng.pick(vocab::kVerbs);
  s += " that the ";
  s += rng.pick(vocab::kAdjectives);
  s += ' ';
  s += rng.pick(vocab::kNouns);
  if (rng.chance(30)) {
    s += " in ";
    s += rng.pick(vocab::kPlaces);
  }
  s += " would affect the ";
  s += rng.pick(vocab::kNouns);
  s += ' ';
  s += rng.pick(vocab::kTails);
  s += '.';
  return s;
}

// One article as a JSON line (no trailing newline): about `target_bytes` of text, in which
// `escalation_percent` of the sentences carry an escalation phrase.
inline std::string make_article(uint64_t seed, size_t index, size_t target_bytes = 5000,
                                unsigned escalation_percent = 6) {
  Rng rng(seed * 0x100000001b3ULL + index);
  std::string text;
  size_t in_paragraph = 0;
  while (text.size() < target_bytes) {
    if (in_paragraph == 4) {
      text += "\n\n";
      in_paragraph = 0;
    } else if (!text.empty()) {
      text += ' ';
    }
    text += rng.chance(escalation_percent) ? fill(rng.pick(vocab::kEscalation), rng) : plain_sentence(rng);
    ++in_paragraph;
  }
  // A quiet article (escalation_percent 0) gets a quiet title too.
  std::string title = rng.chance(escalation_percent == 0 ? 0 : 20) ? fill(rng.pick(vocab::kEscalation), rng)
                                                                    : plain_sentence(rng);
  if (!title.empty() && title.back() == '.') title.pop_back();
  const nlohmann::json j{{"id", "bench-" + std::to_string(index)},
                         {"url", "https://bench.test/" + std::to_string(index)},
                         {"source", "Bench Wire"},
                         {"published_at", "2026-03-02T08:15:00Z"},
                         {"lang", "en"},
                         {"title", title},
                         {"text", text}};
  return j.dump();
}

// Article `i` of a corpus in which `quiet_percent` of the articles (the first ones of every
// hundred) have no escalation sentence at all. 0 is the dense default, where nine articles in
// ten give a signal; 95 is close to general news (docs/performance.md).
inline std::string corpus_article(uint64_t seed, size_t i, unsigned quiet_percent = 0) {
  return i % 100 < quiet_percent ? make_article(seed, i, 5000, 0) : make_article(seed, i);
}

inline std::vector<std::string> make_corpus(size_t n, uint64_t seed = 42, unsigned quiet_percent = 0) {
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(corpus_article(seed, i, quiet_percent));
  return out;
}

}  // namespace brinkwatch::bench
