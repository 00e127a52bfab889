#include "core/detect/detector.h"

#include <algorithm>
#include <cstring>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

namespace brinkwatch::detect {
namespace {

struct Hit {
  uint32_t pattern;
  uint32_t begin;
  uint32_t end;
};

struct ScanState {
  std::vector<Hit>* hits;
  size_t max_hits;
  bool truncated = false;
};

int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned /*flags*/,
             void* ctx) {
  auto* st = static_cast<ScanState*>(ctx);
  if (st->hits->size() >= st->max_hits) {
    st->truncated = true;
    return 1;  // stop scanning: the hit budget bounds memory on hostile input
  }
  st->hits->push_back({id, static_cast<uint32_t>(from), static_cast<uint32_t>(to)});
  return 0;
}

bool word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

// Bytes copied unchanged inside an ASCII word (what the loop below would copy one by one).
bool ascii_word_rest(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// The match text: the folded text with every separator run as one space and a space at each
// end, so terms match as literals with spaces for word boundaries (rules::compile_term).
// `map[i]` is the folded-text offset of match-text byte i.
void build_match_text(std::string_view original, std::string_view folded, std::string& out,
                      std::vector<uint32_t>& map) {
  const size_t n = folded.size();
  // "US" grows to "u s": at most n * 3 / 2 bytes, plus the two boundary spaces.
  out.resize(n + n / 2 + 3);
  map.resize(out.size());
  char* o = out.data();
  uint32_t* m = map.data();
  size_t k = 0;
  o[k] = ' ';
  m[k++] = 0;
  auto space = [&](size_t at) {
    if (o[k - 1] != ' ') {
      o[k] = ' ';
      m[k++] = static_cast<uint32_t>(at);
    }
  };
  size_t i = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(folded[i]);
    if (c < 0x80) {
      if (!word_byte(c) && c != '*' && c != '{' && c != '}') {
        space(i);
        ++i;
        continue;
      }
      // "US" and "UK" in capitals are the countries, not the pronoun: match them as "U.S."/"U.K.".
      if (c == 'u' && o[k - 1] == ' ' && i + 1 < n && original[i] == 'U' &&
          (original[i + 1] == 'S' || original[i + 1] == 'K') &&
          (i + 2 == n || text::separator_length(folded, i + 2) > 0)) {
        o[k] = 'u';
        m[k++] = static_cast<uint32_t>(i);
        o[k] = ' ';
        m[k++] = static_cast<uint32_t>(i + 1);
        o[k] = folded[i + 1];
        m[k++] = static_cast<uint32_t>(i + 1);
        i += 2;
        continue;
      }
      o[k] = static_cast<char>(c);
      m[k++] = static_cast<uint32_t>(i);
      ++i;
      // The rest of an ASCII word in one go (most of an article): only a word's first letter
      // needs the checks above.
      size_t j = i;
      while (j < n && ascii_word_rest(static_cast<unsigned char>(folded[j]))) ++j;
      std::memcpy(o + k, folded.data() + i, j - i);
      for (; i < j; ++i) m[k++] = static_cast<uint32_t>(i);
      continue;
    }
    if (const size_t skip = text::ignorable_length(folded, i)) {
      i += skip;  // invisible: neither a letter nor a word break
      continue;
    }
    const size_t sep = text::detail::separator_length_multibyte(folded, i);
    if (sep > 0) {
      space(i);
      i += sep;
      continue;
    }
    if (text::arabic_at(folded, i)) {
      thread_local std::string word;
      thread_local std::vector<uint32_t> word_map;
      word.clear();
      word_map.clear();
      const size_t next = text::append_arabic_word(folded, i, word, &word_map);
      for (size_t j = 0; j < word.size(); ++j) {
        o[k] = word[j];
        m[k++] = word_map[j];
      }
      i = next > i ? next : i + 1;
      continue;
    }
    o[k] = static_cast<char>(c);
    m[k++] = static_cast<uint32_t>(i);
    ++i;
  }
  space(n);
  out.resize(k);
  map.resize(k);
}

// Words (runs of word bytes) in [a, b) of a text, in constant time. Non-ASCII punctuation
// (curly quotes, guillemets, dashes, Arabic and CJK commas: text::separator_length) separates
// words as ASCII punctuation does, so a Chinese clause is one word and "l’armée" is two, as in
// the match text. Rules compare word distances between hits; counting byte by byte each time
// made a long sentence with many hits quadratic (a single 5 MB line took two minutes:
// HostileInput.SingleFiveMegabyteLine), so the counts come from a prefix sum made once.
class WordCounter {
 public:
  // The counts are made at the first question: an article in which no rule is evaluated (no
  // sentence has a rule's anchor term) never asks.
  explicit WordCounter(std::string_view s) : s_(s) {}

  int operator()(uint32_t a, uint32_t b) const {
    if (!starts_) build();
    b = std::min<uint32_t>(b, static_cast<uint32_t>(s_.size()));
    if (a >= b) return 0;
    // A word already under way at `a` counts once, as a count from `a` would.
    const bool open = a > 0 && word_[a] && word_[a - 1];
    return static_cast<int>(starts_[b] - starts_[a]) + (open ? 1 : 0);
  }

 private:
  void build() const {
    thread_local std::vector<uint32_t> starts;  // reused: one per worker thread
    thread_local std::vector<uint8_t> word;
    const size_t size = s_.size();
    starts.resize(size + 1);
    word.assign(size, 0);
    uint32_t count = 0;
    bool in = false;
    for (size_t i = 0; i < size;) {
      const auto c = static_cast<unsigned char>(s_[i]);
      // Only these lead bytes start a non-ASCII separator (text/separators.cpp); testing them
      // first keeps Cyrillic, Arabic letters and CJK characters off the slower path.
      if (c == 0xc2 || c == 0xd8 || c == 0xe2 || c == 0xe3 || c == 0xef) {
        if (const size_t sep = text::separator_length(s_, i)) {
          for (size_t j = i; j < i + sep && j < size; ++j) starts[j] = count;
          in = false;
          i += sep;
          continue;
        }
      }
      starts[i] = count;
      const bool w = word_byte(c);
      if (w && !in) ++count;
      word[i] = w ? 1 : 0;
      in = w;
      ++i;
    }
    starts[size] = count;
    starts_ = starts.data();
    word_ = word.data();
  }

  std::string_view s_;
  mutable const uint32_t* starts_ = nullptr;  // starts_[i]: words starting in [0, i)
  mutable const uint8_t* word_ = nullptr;     // word_[i]: byte i is part of a word
};

// Rules whose hit combinations in a sentence are at most this many are confirmed exhaustively.
constexpr size_t kMaxCombinations = 64;

// Places further than this many words from a match are not attributed to it.
constexpr int kMaxRoleDistance = 10;

bool overlaps(const Hit& x, const Hit& y) { return x.begin < y.end && y.begin < x.end; }

struct PlaceHit {
  Hit hit;
  const geo::PlaceName* name;
};

// What one sentence offers, by feature.
struct SentenceView {
  // Per rule, per component, its hits; `touched` lists the rules with any. Kept across
  // sentences and articles so the hot path does not allocate.
  std::vector<std::vector<std::vector<Hit>>> components;
  std::vector<uint32_t> touched;
  std::vector<std::pair<uint32_t, Hit>> exceptions;
  std::vector<std::pair<uint32_t, Hit>> cues;       // modifier, hit
  std::vector<PlaceHit> places;
  std::vector<std::pair<uint32_t, Hit>> locatives;  // lang, hit
  std::vector<std::pair<uint32_t, Hit>> breaks;     // lang, hit
  std::vector<std::pair<uint32_t, Hit>> determiners;  // lang, hit
  std::vector<std::pair<uint32_t, Hit>> actor_cues; // type, hit (lang in the feature)
  std::vector<uint32_t> actor_cue_langs;

  void clear() {
    for (uint32_t r : touched) {
      for (auto& c : components[r]) c.clear();
    }
    touched.clear();
    exceptions.clear();
    cues.clear();
    places.clear();
    locatives.clear();
    breaks.clear();
    determiners.clear();
    actor_cues.clear();
    actor_cue_langs.clear();
  }
};

struct Match {
  uint32_t rule;
  std::vector<Hit> hits;  // one per component
  uint32_t begin;
  uint32_t end;
  double score;
  std::vector<std::string> weakened;
  std::string veto;  // non-empty: rejected, and why
};

struct Located {
  std::vector<int32_t> countries;
  std::vector<int32_t> actors;
  std::vector<int32_t> theatres;
  bool direct = false;  // countries come from the sentence itself, not a fallback
};

void push_unique(std::vector<int32_t>& v, int32_t x) {
  if (x >= 0 && std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

// Scans a database over (part of) the match text and turns hits into text offsets.
struct Scanner {
  const Engine& engine;
  const text::Document& doc;
  const std::string& match_text;
  const std::vector<uint32_t>& map;
  hs_scratch_t* scratch;
  size_t max_hits;
  bool truncated = false;

  // Scans match_text[from, to) with `db`, appending hits (in text offsets) to `out`.
  // `find_starts`: the database reports ends only; starts come from the SOM database.
  void scan(const hs_database_t* db, uint32_t from, uint32_t to, std::vector<Hit>& out,
            bool find_starts = false) {
    const size_t first = out.size();
    ScanState st{&out, max_hits};
    hs_scan(db, match_text.data() + from, to - from, 0, scratch, on_match, &st);
    truncated |= st.truncated;
    const auto& lengths = engine.lengths();
    const auto& words = engine.words();
    for (size_t i = first; i < out.size(); ++i) {
      Hit& h = out[i];
      uint32_t b = h.begin;
      if (lengths[h.pattern]) {
        b = h.end - lengths[h.pattern];
      } else if (words[h.pattern]) {
        b = words_back(from + h.end, words[h.pattern]) - from;
      } else if (find_starts) {
        b = start_of(h.pattern, from + h.end) - from;
      }
      uint32_t e = h.end;
      b += from;
      e += from;
      // Without the boundary spaces, back to text offsets.
      if (b < e && match_text[b] == ' ') ++b;
      if (e > b && match_text[e - 1] == ' ') --e;
      h.begin = map[b];
      h.end = e > b ? map[e - 1] + 1 : map[b];
      // A prefix term ("deploy*") ends mid-word; evidence shows the whole word. Never in
      // Chinese or Japanese, where a "word" is a whole clause.
      if (engine.prefix()[h.pattern]) {
        while (h.end < doc.folded.size() && text::separator_length(doc.folded, h.end) == 0) ++h.end;
      }
    }
  }

  // Where a regex match ending at `end` starts: the leftmost start the SOM database reports
  // for that pattern and end, within a window long enough for any regex term of ours.
  uint32_t start_of(uint32_t pattern, uint32_t end) {
    constexpr uint32_t kWindow = 1024;
    const uint32_t from = end > kWindow ? end - kWindow : 0;
    window_hits.clear();
    ScanState st{&window_hits, 4096};
    hs_scan(engine.regex_som_database(), match_text.data() + from, end - from, 0, scratch, on_match, &st);
    uint32_t best = end;
    for (const Hit& h : window_hits) {
      if (h.pattern == pattern && h.end + from == end) best = std::min(best, h.begin + from);
    }
    return best;
  }

  std::vector<Hit> window_hits;

  // Start of a wildcard phrase of `n` words whose match (with its boundary spaces) ends at
  // `end`: words in the match text are separated by exactly one space.
  uint32_t words_back(uint32_t end, uint32_t n) const {
    uint32_t p = end;
    if (p > 0 && match_text[p - 1] == ' ') --p;
    for (uint32_t w = 0; w < n; ++w) {
      while (p > 0 && match_text[p - 1] != ' ') --p;
      if (p > 0) --p;  // the space before this word
    }
    return p;
  }

  // The context scan over one sentence, with the spaces that bound its first and last words.
  void scan_context(const text::Span& span, std::vector<Hit>& out) {
    const hs_database_t* db = engine.context_database();
    if (!db) return;
    auto from = static_cast<uint32_t>(std::lower_bound(map.begin(), map.end(), span.begin) - map.begin());
    auto to = static_cast<uint32_t>(std::lower_bound(map.begin(), map.end(), span.end) - map.begin());
    if (from > 0 && match_text[from - 1] == ' ') --from;
    if (to < match_text.size() && match_text[to] == ' ') ++to;
    if (to > from) scan(db, from, to, out);
  }
};

// Per-thread working memory of Run, reused across articles (Detector is per thread).
SentenceView& reusable_view() {
  thread_local SentenceView view;
  return view;
}

class Run {
 public:
  Run(const Engine& e, const text::Document& doc, const DetectOptions& opt, Detection& out,
      Scanner& scanner)
      : e_(e), doc_(doc), opt_(opt), out_(out), s_(doc.folded), words_(doc.folded), scanner_(scanner) {
    const auto& langs = e_.langs();
    const auto it = std::find(langs.begin(), langs.end(), doc.lang);
    if (!doc.lang.empty() && it != langs.end()) gate_lang_ = static_cast<int>(it - langs.begin());
  }

  void process(std::vector<Hit>& hits) {
    std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
      return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
    });
    count_focus(hits);
    count_document_exceptions(hits);
    size_t h = 0;
    for (uint32_t si = 0; si < doc_.sentences.size(); ++si) {
      const auto& sent = doc_.sentences[si];
      while (h < hits.size() && hits[h].begin < sent.span.begin) ++h;
      view_.clear();
      bool any_anchor = false;
      for (size_t k = h; k < hits.size() && hits[k].begin < sent.span.end; ++k) {
        if (hits[k].end > sent.span.end) continue;
        any_anchor |= add_to_view(hits[k], false);
      }
      if (!any_anchor) continue;
      context_hits_.clear();
      scanner_.scan_context(sent.span, context_hits_);
      for (const Hit& ch : context_hits_) {
        if (ch.begin >= sent.span.begin && ch.end <= sent.span.end) add_to_view(ch, true);
      }
      confirm(si);
    }
    build_signals();
  }

 private:
  // Mentions per country over the article's sentences (title counts twice): the article's
  // focus, used when a sentence names no place for its signal.
  void count_focus(const std::vector<Hit>& hits) {
    focus_.assign(e_.gazetteer().countries.size(), 0);
    first_seen_.assign(e_.gazetteer().countries.size(), UINT32_MAX);
    size_t si = 0;
    uint32_t covered_end = 0;  // end of the last counted place: names inside it are not counted again
    for (const auto& hit : hits) {
      while (si < doc_.sentences.size() && doc_.sentences[si].span.end <= hit.begin) ++si;
      if (si >= doc_.sentences.size()) break;
      const auto& sent = doc_.sentences[si];
      if (hit.begin < sent.span.begin) continue;  // chrome or between sentences
      if (hit.end <= covered_end) continue;  // hits are sorted by start, longest first
      bool counted = false;
      for (const auto& f : e_.features()[hit.pattern]) {
        if (f.kind != FeatureKind::place) continue;
        const auto& pn = e_.gazetteer().names[f.a];
        if (pn.country < 0 || counted) continue;
        counted = true;
        covered_end = hit.end;
        focus_[static_cast<size_t>(pn.country)] += sent.in_title ? 2 : 1;
        first_seen_[static_cast<size_t>(pn.country)] =
            std::min(first_seen_[static_cast<size_t>(pn.country)], hit.begin);
      }
    }
  }

  // Distinct terms per exception over the article's sentences, for document-scope exceptions.
  void count_document_exceptions(const std::vector<Hit>& hits) {
    const auto& exceptions = e_.book().exceptions;
    doc_exception_.assign(exceptions.size(), false);
    std::vector<std::vector<uint32_t>> seen(exceptions.size());
    size_t si = 0;
    for (const auto& hit : hits) {
      while (si < doc_.sentences.size() && doc_.sentences[si].span.end <= hit.begin) ++si;
      if (si >= doc_.sentences.size()) break;
      if (hit.begin < doc_.sentences[si].span.begin) continue;
      for (const auto& f : e_.features()[hit.pattern]) {
        if (f.kind != FeatureKind::exception || exceptions[f.a].document == 0) continue;
        auto& s = seen[f.a];
        if (std::find(s.begin(), s.end(), hit.pattern) == s.end()) s.push_back(hit.pattern);
        if (s.size() >= static_cast<size_t>(exceptions[f.a].document)) doc_exception_[f.a] = true;
      }
    }
  }

  // Main-scan hits carry the main features, context-scan hits the context ones; a pattern in
  // both databases would otherwise be counted twice.
  bool add_to_view(const Hit& hit, bool context) {
    bool component = false;
    for (const auto& f : e_.features()[hit.pattern]) {
      if (f.context != context) continue;
      switch (f.kind) {
        case FeatureKind::component: {
          // Rules of another language than the article's do not apply (when the article's
          // language has rules at all).
          if (gate_lang_ >= 0 && e_.rules()[f.a].lang != static_cast<uint32_t>(gate_lang_)) break;
          if (view_.components.size() < e_.rules().size()) view_.components.resize(e_.rules().size());
          auto& comps = view_.components[f.a];
          if (comps.size() != e_.rules()[f.a].def->components.size()) {
            comps.resize(e_.rules()[f.a].def->components.size());
          }
          bool fresh = true;
          for (const auto& c : comps) fresh &= c.empty();
          if (fresh) view_.touched.push_back(f.a);
          comps[f.b].push_back(hit);
          component = true;
          break;
        }
        case FeatureKind::exception: view_.exceptions.push_back({f.a, hit}); break;
        case FeatureKind::modifier_cue: view_.cues.push_back({f.a, hit}); break;
        case FeatureKind::place: view_.places.push_back({hit, &e_.gazetteer().names[f.a]}); break;
        case FeatureKind::locative: view_.locatives.push_back({f.a, hit}); break;
        case FeatureKind::clause_break: view_.breaks.push_back({f.a, hit}); break;
        case FeatureKind::determiner: view_.determiners.push_back({f.a, hit}); break;
        case FeatureKind::actor_cue:
          view_.actor_cues.push_back({f.b, hit});
          view_.actor_cue_langs.push_back(f.a);
          break;
      }
    }
    return component;
  }

  // Clause breaks: the language's words ("but", "while") and, in any language, ; : and dashes.
  bool clause_break_between(uint32_t lang, uint32_t a, uint32_t b) const {
    if (b > a) {
      const std::string_view span = s_.substr(a, b - a);
      if (span.find_first_of(";:") != std::string_view::npos || span.find("\xe2\x80\x94") != std::string_view::npos ||
          span.find(" - ") != std::string_view::npos) {
        return true;
      }
    }
    for (const auto& [l, hit] : view_.breaks) {
      if (l == lang && hit.begin >= a && hit.end <= b) return true;
    }
    return false;
  }

  // "Sudan's army chief" where "army chief" is one of the match's terms.
  bool possessive_of_match(const Hit& h, const Match& m) const {
    const std::string_view rest = s_.substr(h.end, 4);
    if (rest.rfind("'s", 0) != 0 && rest.rfind("\xe2\x80\x99s", 0) != 0) return false;
    for (const Hit& mh : m.hits) {
      if (mh.begin >= h.end && words_(h.end, mh.begin) <= 2) return true;
    }
    return false;
  }

  std::string text_of(const Hit& h) const { return doc_.text.substr(h.begin, h.end - h.begin); }

  // Word distance between a hit and a match span (0 when inside).
  int distance(const Hit& x, uint32_t begin, uint32_t end) const {
    if (x.end <= begin) return words_(x.end, begin);
    if (x.begin >= end) return words_(end, x.begin);
    return 0;
  }

  void evaluate(Match& m, const text::Sentence& sent) const {
    const CompiledRule& cr = e_.rules()[m.rule];
    const rules::RuleDef& def = *cr.def;
    // near: words between the matched terms, in text order.
    if (def.near) {
      std::vector<Hit> sorted = m.hits;
      std::sort(sorted.begin(), sorted.end(), [](const Hit& a, const Hit& b) { return a.begin < b.begin; });
      int gap = 0;
      for (size_t i = 1; i < sorted.size(); ++i) {
        if (sorted[i].begin > sorted[i - 1].end) gap += words_(sorted[i - 1].end, sorted[i].begin);
      }
      if (gap > *def.near) {
        m.veto = fmt::format("terms {} words apart (near: {})", gap, *def.near);
        return;
      }
    }
    for (uint32_t ex : cr.unless) {
      const auto& exd = e_.book().exceptions[ex];
      if (doc_exception_[ex]) {
        m.veto = fmt::format("exception {} (the article has {} or more of its terms)", exd.name, exd.document);
        return;
      }
      for (const auto& [idx, hit] : view_.exceptions) {
        if (idx != ex) continue;
        // A word inside a matched term is not context ("games" in "war games"); a longer
        // exception around it is ("hunger strike" around "strike").
        bool inside_term = false;
        for (const auto& mh : m.hits) {
          inside_term |= hit.begin >= mh.begin && hit.end <= mh.end && (hit.end - hit.begin) < (mh.end - mh.begin);
        }
        if (inside_term) continue;
        if (exd.near && distance(hit, m.begin, m.end) > *exd.near) continue;
        m.veto = fmt::format("exception {} (\"{}\")", exd.name, text_of(hit));
        return;
      }
    }
    for (uint32_t mi : cr.modifiers) {
      const auto& md = e_.book().modifiers[mi];
      bool applies = md.on_question && sent.question;
      std::string cue = applies ? "?" : "";
      for (const auto& [idx, hit] : view_.cues) {
        if (applies) break;
        if (idx != mi) continue;
        bool part_of_match = false;
        for (const auto& mh : m.hits) part_of_match |= overlaps(mh, hit);
        if (part_of_match) continue;
        if (hit.end <= m.begin) {
          applies = words_(hit.end, m.begin) <= md.before &&
                    !clause_break_between(cr.lang, hit.end, m.begin);
        } else if (hit.begin >= m.end) {
          applies = words_(m.end, hit.begin) <= md.after &&
                    !clause_break_between(cr.lang, m.end, hit.begin);
        } else {
          applies = true;  // inside the match: "troops were not deployed"
        }
        if (applies) cue = text_of(hit);
      }
      if (!applies) continue;
      if (md.effect == rules::Effect::veto) {
        m.veto = fmt::format("{} (\"{}\")", md.name, cue);
        return;
      }
      m.score *= md.factor;
      m.weakened.push_back(md.name);
    }
    if (m.score < opt_.min_score) {
      m.veto = fmt::format("score {:.2f} below min_score {:.2f}", m.score, opt_.min_score);
    }
  }

  // Candidate matches of one rule: for every hit of the first component, the nearest hit of
  // each other component.
  void confirm(uint32_t si) {
    const auto& sent = doc_.sentences[si];
    for (uint32_t ri : view_.touched) {
      auto& comps = view_.components[ri];
      bool complete = std::all_of(comps.begin(), comps.end(), [](const auto& c) { return !c.empty(); });
      if (!complete) continue;
      const CompiledRule& cr = e_.rules()[ri];
      std::optional<Match> best;
      std::optional<Match> first_rejected;
      auto consider = [&](Match& m) {
        evaluate(m, sent);
        if (m.veto.empty()) {
          if (!best || m.score > best->score) best = m;
        } else if (!first_rejected) {
          first_rejected = m;
        }
      };
      size_t combinations = 1;
      for (const auto& c : comps) combinations = std::min<size_t>(combinations * c.size(), kMaxCombinations + 1);
      if (combinations <= kMaxCombinations) {
        // Few hits: try every combination, so the nearest pair for the first component does not
        // hide a valid one ("freed four hostages and Israel released 200 prisoners under the
        // ceasefire deal").
        std::vector<size_t> pick(comps.size(), 0);
        for (size_t n = 0; n < combinations; ++n) {
          Match m{ri, {}, UINT32_MAX, 0, cr.def->score, {}, {}};
          bool distinct = true;
          for (size_t c = 0; c < comps.size(); ++c) {
            const Hit& h = comps[c][pick[c]];
            for (const Hit& prev : m.hits) distinct &= !(prev.begin == h.begin && prev.end == h.end);
            m.hits.push_back(h);
            m.begin = std::min(m.begin, h.begin);
            m.end = std::max(m.end, h.end);
          }
          if (distinct) consider(m);
          for (size_t c = 0; c < comps.size() && ++pick[c] == comps[c].size(); ++c) pick[c] = 0;
        }
      } else {
        // Many hits: for every hit of the first component, the nearest hit of each other one.
        for (const Hit& h0 : comps[0]) {
          Match m{ri, {h0}, h0.begin, h0.end, cr.def->score, {}, {}};
          for (size_t c = 1; c < comps.size(); ++c) {
            const Hit* nearest = nullptr;
            uint32_t best_d = UINT32_MAX;
            for (const Hit& hc : comps[c]) {
              if (hc.begin == h0.begin && hc.end == h0.end) continue;
              const uint32_t d = hc.begin > h0.begin ? hc.begin - h0.begin : h0.begin - hc.begin;
              if (d < best_d) {
                best_d = d;
                nearest = &hc;
              }
            }
            if (!nearest) break;
            m.hits.push_back(*nearest);
            m.begin = std::min(m.begin, nearest->begin);
            m.end = std::max(m.end, nearest->end);
          }
          if (m.hits.size() == comps.size()) consider(m);
        }
      }
      if (best) {
        accept(si, *best);
      } else if (first_rejected && opt_.explain) {
        trace(si, *first_rejected, "vetoed by " + first_rejected->veto, {});
      }
    }
  }

  void trace(uint32_t si, const Match& m, std::string outcome, std::vector<std::string> notes) {
    const auto& sent = doc_.sentences[si];
    Trace t;
    t.sentence = si;
    t.sentence_text = doc_.text.substr(sent.span.begin, sent.span.end - sent.span.begin);
    t.rule_id = e_.rules()[m.rule].def->id;
    t.type = e_.types()[e_.rules()[m.rule].type].id;
    for (const auto& h : m.hits) t.terms.push_back(text_of(h));
    t.outcome = std::move(outcome);
    t.notes = std::move(notes);
    for (const auto& w : m.weakened) t.notes.push_back("weakened by " + w);
    t.score = m.score;
    out_.trace.push_back(std::move(t));
  }

  // Where the match happens and who acts (SIGNALS.md, "Where a signal happens").
  Located locate(const Match& m, std::vector<std::string>& notes) const {
    const CompiledRule& cr = e_.rules()[m.rule];
    const auto& type = e_.types()[cr.type];
    Located loc;
    // Longest place hit wins where names overlap ("Democratic Republic of the Congo" / "Congo").
    std::vector<const PlaceHit*> places;
    for (const auto& p : view_.places) {
      bool inner = false;
      // One name listed in several languages ("Venezuela" in en, es, fr) hits the same span.
      for (const PlaceHit* q : places) {
        inner |= q->hit.begin == p.hit.begin && q->hit.end == p.hit.end && q->name->country == p.name->country &&
                 q->name->theatre == p.name->theatre;
      }
      for (const auto& q : view_.places) {
        if (&q != &p && q.hit.begin <= p.hit.begin && q.hit.end >= p.hit.end &&
            (q.hit.end - q.hit.begin) > (p.hit.end - p.hit.begin)) {
          inner = true;
        }
      }
      if (!inner) places.push_back(&p);
    }
    enum class Role { none, location, actor };
    std::vector<int32_t> positional_actors;  // actors only because they stand before the event
    bool cued_actor = false;                 // some actor was named by the type's actor cue
    Role previous = Role::none;
    uint32_t previous_end = 0;
    for (const PlaceHit* p : places) {
      const auto& pn = *p->name;
      auto cue_before = [&](const std::vector<std::pair<uint32_t, Hit>>& cues, bool want_type) {
        for (size_t i = 0; i < cues.size(); ++i) {
          const auto& [k, hit] = cues[i];
          if (want_type && k != cr.type) continue;
          if (!want_type && k != cr.lang) continue;
          // "in Iraq", "in northern Iraq", "in the northern Iraqi city": one word between cue
          // and place, or two when the first is a determiner — so the infinitive
          // "to deter possible US…" is no cue.
          if (hit.end > p->hit.begin) continue;
          const int gap = words_(hit.end, p->hit.begin);
          if (gap <= 1) return true;
          if (gap == 2) {
            for (const auto& [dl, det] : view_.determiners) {
              if (dl == cr.lang && det.begin >= hit.end && words_(hit.end, det.begin) == 0) return true;
            }
          }
        }
        return false;
      };
      Role role;
      std::string why;
      // A place in a list continues the role of the one before ("from China, Russia and Iran").
      const std::string_view between =
          previous_end && previous_end <= p->hit.begin
              ? std::string_view(s_).substr(previous_end, p->hit.begin - previous_end)
              : std::string_view();
      const bool listed = previous != Role::none && !between.empty() && between.size() <= 7 &&
                          (between.find_first_not_of(" ,") == std::string_view::npos ||
                           between == " and " || between == ", and " || between == " or " ||
                           between == ", or ");
      if (cue_before(view_.actor_cues, true)) {
        role = Role::actor;
        why = "after an actor cue";
      } else if (cue_before(view_.locatives, false)) {
        role = Role::location;
        why = "after a locative cue";
      } else if (type.leaders_targeted && (pn.kind == geo::NameKind::leader || possessive_of_match(p->hit, m))) {
        // "Maduro", "Sudan's army chief must step down": the government the rhetoric aims at
        // (but not "Iran's supreme leader urged Iraqis to overthrow…": the leader is no term).
        role = Role::location;
        why = "the leader or government the signal aims at";
      } else if (listed) {
        role = previous;
        why = "in a list";
      } else if (pn.theatre >= 0) {
        role = Role::location;
        why = "a theatre";
      } else if (p->hit.end <= m.begin) {
        role = Role::actor;
        why = "before the event";
      } else {
        // After the event starts: the object, unless it qualifies a matched term ("US warships").
        bool qualifies = false;
        if (pn.kind == geo::NameKind::demonym || pn.kind == geo::NameKind::name) {
          for (const auto& mh : m.hits) {
            if (mh.begin >= p->hit.end && words_(p->hit.end, mh.begin) == 0) qualifies = true;
          }
        }
        role = qualifies ? Role::actor : Role::location;
        why = qualifies ? "qualifies the actor's forces" : "after the event";
      }
      // Without a cue, a place far from the event in a long sentence belongs to another
      // clause's story.
      const bool by_position = why == "before the event" || why == "after the event";
      if (by_position && distance(p->hit, m.begin, m.end) > kMaxRoleDistance) {
        if (opt_.explain) {
          notes.push_back(fmt::format("\"{}\" ignored: no cue and more than {} words from the event", text_of(p->hit), kMaxRoleDistance));
        }
        continue;
      }
      if (role == Role::actor && by_position) positional_actors.push_back(pn.country);
      if (role == Role::actor && why == "after an actor cue") cued_actor = true;
      previous = role;
      previous_end = p->hit.end;
      if (pn.theatre >= 0) {
        push_unique(loc.theatres, pn.theatre);
      } else if (role == Role::location) {
        push_unique(loc.countries, pn.country);
      } else {
        push_unique(loc.actors, pn.country);
      }
      if (opt_.explain) {
        notes.push_back(fmt::format("\"{}\" → {} ({}: {})", text_of(p->hit),
                                    pn.theatre >= 0 ? e_.gazetteer().theatres[static_cast<size_t>(pn.theatre)].id
                                                    : e_.gazetteer().countries[static_cast<size_t>(pn.country)].code,
                                    role == Role::location ? "location" : "actor", why));
      }
    }
    if (type.parties) {
      for (int32_t a : loc.actors) push_unique(loc.countries, a);
    }
    // "Venezuela is seeking missiles from China": once the supplier is cued, the subject is the
    // other party, where the signal lands.
    if (loc.countries.empty() && cued_actor) {
      for (int32_t c : positional_actors) push_unique(loc.countries, c);
      if (opt_.explain && !loc.countries.empty()) notes.push_back("the subject is the receiving party: the actor is cued");
    }
    loc.direct = !loc.countries.empty();
    if (loc.countries.empty()) {
      // No place for the event in its sentence: the article's focus country, preferring one on
      // a theatre the sentence names, and never one of this sentence's actors.
      int32_t best = -1;
      auto better = [&](size_t c) {
        if (focus_[c] == 0) return false;
        if (best < 0) return true;
        const auto b = static_cast<size_t>(best);
        return focus_[c] > focus_[b] || (focus_[c] == focus_[b] && first_seen_[c] < first_seen_[b]);
      };
      for (int32_t t : loc.theatres) {
        for (const auto& code : e_.gazetteer().theatres[static_cast<size_t>(t)].countries) {
          const auto c = static_cast<size_t>(e_.gazetteer().by_code.at(code));
          if (std::find(loc.actors.begin(), loc.actors.end(), static_cast<int32_t>(c)) == loc.actors.end() && better(c)) {
            best = static_cast<int32_t>(c);
          }
        }
      }
      if (best < 0) {
        for (size_t c = 0; c < focus_.size(); ++c) {
          if (std::find(loc.actors.begin(), loc.actors.end(), static_cast<int32_t>(c)) == loc.actors.end() && better(c)) {
            best = static_cast<int32_t>(c);
          }
        }
      }
      if (best >= 0) {
        loc.countries.push_back(best);
        if (opt_.explain) {
          notes.push_back(fmt::format("located in {}: the article's focus", e_.gazetteer().countries[static_cast<size_t>(best)].code));
        }
      } else {
        loc.countries = loc.actors;  // the actors act at home ("North Korea test-fired a missile")
        if (opt_.explain && !loc.countries.empty()) notes.push_back("located at the actors: no other place");
      }
    }
    return loc;
  }

  struct Accepted {
    uint32_t sentence;
    Match match;
    Located where;
  };

  void accept(uint32_t si, const Match& m) {
    std::vector<std::string> notes;
    Located where = locate(m, notes);
    if (opt_.explain) trace(si, m, "fired", notes);
    accepted_.push_back({si, m, std::move(where)});
  }

  void build_signals() {
    std::map<uint32_t, std::vector<const Accepted*>> by_type;
    for (const auto& a : accepted_) by_type[e_.rules()[a.match.rule].type].push_back(&a);
    const auto& gz = e_.gazetteer();
    for (auto& [ti, list] : by_type) {
      std::stable_sort(list.begin(), list.end(), [](const Accepted* a, const Accepted* b) {
        return a->match.score > b->match.score;
      });
      Signal sig;
      sig.type = e_.types()[ti].id;
      sig.weight = e_.types()[ti].weight;
      sig.score = list.front()->match.score;
      std::vector<int32_t> countries, actors, theatres;
      std::map<int32_t, int> votes;
      for (const Accepted* a : list) {
        if (a->where.direct) {
          for (int32_t c : a->where.countries) ++votes[c];
        }
        for (int32_t c : a->where.actors) push_unique(actors, c);
        for (int32_t t : a->where.theatres) push_unique(theatres, t);
      }
      if (votes.empty()) {
        countries = list.front()->where.countries;
      } else {
        std::vector<std::pair<int, int32_t>> ranked;
        for (auto [c, n] : votes) ranked.push_back({-n, c});
        std::sort(ranked.begin(), ranked.end());
        for (size_t i = 0; i < ranked.size() && i < 3; ++i) countries.push_back(ranked[i].second);
      }
      for (int32_t c : countries) {
        sig.countries.push_back(gz.countries[static_cast<size_t>(c)].code);
        for (auto& k : gz.region_keys(c)) {
          if (std::find(sig.regions.begin(), sig.regions.end(), k) == sig.regions.end()) sig.regions.push_back(k);
        }
      }
      for (int32_t c : actors) sig.actors.push_back(gz.countries[static_cast<size_t>(c)].code);
      for (int32_t t : theatres) {
        sig.theatres.push_back(gz.theatres[static_cast<size_t>(t)].id);
        sig.regions.push_back("theatre:" + gz.theatres[static_cast<size_t>(t)].id);
      }
      std::set<std::string> mods;
      std::set<uint32_t> used_sentences;
      for (const Accepted* a : list) {
        for (const auto& w : a->match.weakened) mods.insert(w);
        const std::string& rule = e_.rules()[a->match.rule].def->id;
        if (std::find(sig.rules.begin(), sig.rules.end(), rule) == sig.rules.end()) sig.rules.push_back(rule);
        if (sig.evidence.size() >= opt_.max_evidence || !used_sentences.insert(a->sentence).second) continue;
        const auto& sent = doc_.sentences[a->sentence];
        Evidence ev;
        ev.sentence = doc_.text.substr(sent.span.begin, sent.span.end - sent.span.begin);
        const bool title = sent.span.begin < doc_.title_size;
        ev.field = title ? "title" : "text";
        const uint32_t base = title ? 0 : doc_.body_offset;
        ev.begin = sent.span.begin - base;
        ev.end = sent.span.end - base;
        for (const auto& h : a->match.hits) ev.terms.push_back(text_of(h));
        ev.rule_id = e_.rules()[a->match.rule].def->id;
        ev.revision = e_.rules()[a->match.rule].def->revision;
        ev.score = a->match.score;
        ev.modifiers = a->match.weakened;
        sig.evidence.push_back(std::move(ev));
      }
      sig.modifiers.assign(mods.begin(), mods.end());
      out_.signals.push_back(std::move(sig));
    }
  }

  const Engine& e_;
  const text::Document& doc_;
  const DetectOptions& opt_;
  Detection& out_;
  std::string_view s_;
  WordCounter words_;
  SentenceView& view_ = reusable_view();
  std::vector<uint32_t> focus_;
  std::vector<uint32_t> first_seen_;
  std::vector<bool> doc_exception_;  // by exception: its document threshold is reached
  Scanner& scanner_;
  int gate_lang_ = -1;  // index into Engine::langs() of the article's language, or -1: all rules
  std::vector<Hit> context_hits_;
  std::vector<Accepted> accepted_;
};

}  // namespace

Detection Detector::detect(const Engine& engine, const text::Document& doc) {
  Detection out;
  // Cheap when the scratch already fits; after a reload it grows for the new database.
  if (!scratch_.prepare(engine)) {
    out.truncated = true;
    return out;
  }
  thread_local std::vector<Hit> hits;
  thread_local std::string match_text;
  thread_local std::vector<uint32_t> map;
  hits.clear();
  build_match_text(doc.text, doc.folded, match_text, map);
  Scanner scanner{engine, doc, match_text, map, scratch_.get(), options_.max_hits, false, {}};
  scanner.scan(engine.database(), 0, static_cast<uint32_t>(match_text.size()), hits);
  if (engine.regex_database()) {
    scanner.scan(engine.regex_database(), 0, static_cast<uint32_t>(match_text.size()), hits, true);
  }
  out.lang = doc.lang;
  Run run(engine, doc, options_, out, scanner);
  run.process(hits);
  out.truncated = scanner.truncated;
  return out;
}

}  // namespace brinkwatch::detect
