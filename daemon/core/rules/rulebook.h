// The rule language (grammar: docs/rules.md). Loading runs in three steps:
//   read    YAML sources → per-file definitions, with marks for diagnostics;
//   merge   all files → one RuleBook (namespaces per language, duplicate and reference checks);
//   compile RuleBook + gazetteer → a matcher database (detect/engine.h).
// Nothing here reads files: callers pass the sources in, so the loader is testable and fuzzable.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/rules/diagnostic.h"

namespace brinkwatch::rules {

struct Source {
  std::string name;     // shown in diagnostics (a path, usually)
  std::string content;  // YAML text
};

struct Mark {
  std::string file;
  int line = 0;
  int column = 0;
};

// A term as written: a phrase ("air strike", "deploy*"), a macro phrase ("{threat_verb} to
// strike"), or a raw regular expression ("re:..."). compile_term() turns it into a pattern.
struct Term {
  std::string text;
  Mark mark;
};

// One alternative set within a rule: the rule needs a hit of each component in one sentence.
struct Component {
  std::vector<Term> terms;  // lists already expanded
  std::string label;        // "@deploy_verb" or the term itself, for --explain
};

enum class Effect { veto, weaken };

struct ExceptionDef {
  std::string name;
  std::string lang;
  std::vector<Term> terms;
  std::optional<int> near;  // words from the match; nullopt = anywhere in the sentence
  // Also applies, anywhere in the article, when the article holds at least this many distinct
  // terms of the exception: the article is about sport (or film, or software), so its war
  // words are figurative. 0 = sentence scope only.
  int document = 0;
  Mark mark;
};

struct ModifierDef {
  std::string name;
  std::string lang;
  Effect effect = Effect::veto;
  double factor = 1.0;        // for weaken
  std::vector<Term> cues;
  int before = 0;             // words before the match the cue may stand
  int after = 0;              // words after the match
  bool on_question = false;   // applies when the sentence is a question (no cues needed)
  std::set<std::string> types;  // empty = every type
  Mark mark;
};

struct RuleDef {
  std::string id;
  int revision = 1;
  std::string type;
  std::string lang;
  double score = 1.0;
  std::vector<Component> components;
  std::optional<int> near;             // max words spanned by the match; nullopt = sentence
  std::vector<std::string> unless;     // exception names (same lang)
  std::set<std::string> ignore;        // modifier names not applied to this rule
  std::string description;
  Mark mark;
};

// Per-language attribution cues.
struct LanguageCues {
  std::vector<Term> locative;      // "in", "near", "toward": the next place is where it happens
  std::vector<Term> clause_breaks; // modifiers do not reach across these
  std::vector<Term> determiners;   // "the", "its": may stand between a locative cue and its place
  std::map<std::string, std::vector<Term>> actor_cues;  // by type: "from" for arms transfers
};

struct TypeDef {
  std::string id;
  double weight = 1.0;
  bool parties = false;  // locate at every party named (de-escalation, ruptures), not the target
  bool leaders_targeted = false;  // a named leader is whom the signal aims at (regime change)
};

struct RuleBook {
  std::vector<RuleDef> rules;
  std::vector<ExceptionDef> exceptions;
  std::vector<ModifierDef> modifiers;
  std::map<std::string, LanguageCues> cues;  // by lang
  std::map<std::string, std::string> versions;  // file → its "version:" (ruleset version parts)
  std::string version;  // combined ruleset version: a hash of every source's content
};

// The nine types of SIGNALS.md with their default weights.
std::vector<TypeDef> default_types();

// read + merge. `types` are the signal types rules may name. Errors go to `diags`; the returned
// book is usable only when !diags.has_errors().
RuleBook load_rules(const std::vector<Source>& sources, const std::vector<TypeDef>& types,
                    Diagnostics& diags);

// The Hyperscan expression for a term. Terms are matched against the article's MATCH TEXT
// (detect/match_text.h): case-folded, every run of punctuation and spacing reduced to one space,
// with a space at each end. A phrase therefore compiles to a plain literal with a space at each
// end for its word boundaries ("air-strike" → " air strike "), which keeps the database fast to
// build and scan; a trailing "*" drops the closing space (a prefix). Macros ({list}) and "re:"
// terms compile to regular expressions that need start-of-match tracking (`som`).
// Returns nullopt and adds a diagnostic on a bad term.
struct CompiledTerm {
  std::string expression;
  bool som = false;          // a regex: Hyperscan must report where the match starts
  uint32_t length = 0;       // for literals: the match length in bytes
  bool prefix = false;       // ends in "*" in a spaced language: the match ends mid-word
  uint32_t words = 0;        // for a phrase with an inner "*": its word count, from which the
                             // match start is found without Hyperscan's start tracking
};
std::optional<CompiledTerm> compile_term(const Term& term, std::string_view lang,
                                         Diagnostics& diags);

// The match-text form of a phrase: folded, punctuation runs as single spaces, trimmed; a
// trailing "*" kept. Empty for a phrase with no word characters.
std::string normalise_phrase(std::string_view phrase);

// True for languages written without spaces between words, where terms get no boundaries.
bool unspaced_language(std::string_view lang);

}  // namespace brinkwatch::rules
