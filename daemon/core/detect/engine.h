// The compiled model: every term of every rule, exception, modifier, attribution cue and place
// name in ONE Hyperscan database, so an article is scanned once (DESIGN.md, detect/), plus the
// tables that say what each pattern means. Immutable once built; shared between threads and
// swapped whole on reload.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <hs/hs.h>

#include "core/geo/gazetteer.h"
#include "core/rules/rulebook.h"

namespace brinkwatch::detect {

enum class FeatureKind : uint8_t {
  component,     // a = rule, b = component
  exception,     // a = exception
  modifier_cue,  // a = modifier
  place,         // a = gazetteer name
  locative,      // a = language (index into Engine::langs)
  clause_break,  // a = language
  determiner,    // a = language
  actor_cue,     // a = language, b = type
};

struct Feature {
  FeatureKind kind;
  uint32_t a = 0;
  uint32_t b = 0;
  // Looked for only in candidate sentences (the context database), not over the whole article:
  // modifier and attribution cues, sentence-scope exceptions, and every rule component but the
  // rule's anchor (see Engine::build).
  bool context = false;
};

struct CompiledRule {
  const rules::RuleDef* def = nullptr;
  uint32_t type = 0;    // index into Engine::types
  uint32_t lang = 0;    // index into Engine::langs
  std::vector<uint32_t> unless;    // exception indexes
  std::vector<uint32_t> modifiers; // modifier indexes that apply (same lang, type, not ignored)
  uint32_t anchor = 0;             // the component scanned for over the whole article
};

struct EngineStats {
  size_t patterns = 0;
  size_t terms = 0;
  size_t rules = 0;
  size_t place_names = 0;
  double compile_seconds = 0;
  size_t database_bytes = 0;
};

class Engine {
 public:
  // Compiles; on any error returns nullptr with diagnostics. Expensive (about a second for the
  // shipped lexicon): call off the hot path.
  static std::shared_ptr<const Engine> build(rules::RuleBook book, geo::Gazetteer gazetteer,
                                             std::vector<rules::TypeDef> types,
                                             rules::Diagnostics& diags);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const hs_database_t* database() const { return db_; }
  const hs_database_t* context_database() const { return context_db_; }  // may be null
  const hs_database_t* regex_database() const { return regex_db_; }      // may be null
  const hs_database_t* regex_som_database() const { return regex_som_db_; }
  const std::vector<std::vector<Feature>>& features() const { return features_; }
  const std::vector<std::string>& pattern_terms() const { return pattern_terms_; }
  // Match length of each literal pattern; 0 for regex patterns (Hyperscan reports their start).
  const std::vector<uint32_t>& lengths() const { return lengths_; }
  // Whether a pattern may end mid-word (a "*" prefix term or a regex, in a spaced language).
  const std::vector<bool>& prefix() const { return prefix_; }
  // Word count of a wildcard phrase (its start is found by counting words back); 0 otherwise.
  const std::vector<uint32_t>& words() const { return words_; }
  const std::vector<CompiledRule>& rules() const { return rules_; }
  const rules::RuleBook& book() const { return book_; }
  const geo::Gazetteer& gazetteer() const { return gazetteer_; }
  const std::vector<rules::TypeDef>& types() const { return types_; }
  const std::vector<std::string>& langs() const { return langs_; }
  const EngineStats& stats() const { return stats_; }
  const std::string& version() const { return book_.version; }
  // Unique per built engine in this process (never reused, unlike an address after a reload).
  uint64_t serial() const { return serial_; }

 private:
  Engine() = default;
  hs_database_t* db_ = nullptr;
  hs_database_t* context_db_ = nullptr;
  hs_database_t* regex_db_ = nullptr;
  hs_database_t* regex_som_db_ = nullptr;
  std::vector<std::vector<Feature>> features_;  // by pattern id
  std::vector<std::string> pattern_terms_;      // a representative term text, by pattern id
  std::vector<uint32_t> lengths_;               // by pattern id
  std::vector<bool> prefix_;                    // by pattern id
  std::vector<uint32_t> words_;                 // by pattern id
  std::vector<CompiledRule> rules_;
  rules::RuleBook book_;
  geo::Gazetteer gazetteer_;
  std::vector<rules::TypeDef> types_;
  std::vector<std::string> langs_;
  EngineStats stats_;
  uint64_t serial_ = 0;
};

// Per-thread Hyperscan scratch, sized for one engine (and grown for the next on reload).
class Scratch {
 public:
  Scratch() = default;
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  // Makes the scratch usable with `engine`; cheap when it already is.
  bool prepare(const Engine& engine);
  hs_scratch_t* get() { return scratch_; }

 private:
  hs_scratch_t* scratch_ = nullptr;
  uint64_t prepared_for_ = 0;  // Engine::serial() the scratch fits
};

}  // namespace brinkwatch::detect
