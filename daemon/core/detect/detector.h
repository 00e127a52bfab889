// From a Document to signals: one scan, then confirmation of candidate rules per sentence,
// exceptions and modifiers, attribution, and one signal per type with its evidence.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/detect/engine.h"
#include "core/text/text.h"

namespace brinkwatch::detect {

struct Evidence {
  std::string sentence;
  std::string field;   // "title" or "text"
  uint32_t begin = 0;  // byte offsets into that field
  uint32_t end = 0;
  std::vector<std::string> terms;  // matched text, as written in the article
  std::string rule_id;
  int revision = 0;
  double score = 0;
  std::vector<std::string> modifiers;  // weakening modifiers applied
};

struct Signal {
  std::string type;
  double score = 0;
  double weight = 0;
  std::vector<std::string> countries;  // ISO alpha-2, where it happens / at whom it is aimed
  std::vector<std::string> actors;
  std::vector<std::string> theatres;
  std::vector<std::string> regions;    // region keys (country:, m49:, theatre:)
  std::vector<std::string> modifiers;
  std::vector<Evidence> evidence;
  // Ids of every rule that fired for this signal, strongest first; evidence shows at most
  // max_evidence of them. Not in the output records: for per-rule metrics.
  std::vector<std::string> rules;
};

// What --explain shows: every candidate rule in every sentence and what became of it.
struct Trace {
  uint32_t sentence = 0;
  std::string sentence_text;
  std::string rule_id;
  std::string type;
  std::vector<std::string> terms;
  std::string outcome;        // "fired", "vetoed by negation (\"did not\")", ...
  std::vector<std::string> notes;  // modifiers that weakened, attribution reasons
  double score = 0;
};

struct Detection {
  std::vector<Signal> signals;
  std::vector<Trace> trace;   // only with explain
  bool truncated = false;     // too many term hits: the rest of the article was not matched
  std::string lang;           // the language whose rules were applied; empty = all
};

struct DetectOptions {
  double min_score = 0.5;
  size_t max_evidence = 3;
  size_t max_hits = 200000;   // bounds memory on pathological input
  bool explain = false;
};

// Not thread-safe: one per worker thread (it owns the Hyperscan scratch and reusable buffers).
class Detector {
 public:
  explicit Detector(DetectOptions options = {}) : options_(options) {}
  Detection detect(const Engine& engine, const text::Document& doc);
  const DetectOptions& options() const { return options_; }
  DetectOptions& options() { return options_; }

 private:
  DetectOptions options_;
  Scratch scratch_;
};

}  // namespace brinkwatch::detect
