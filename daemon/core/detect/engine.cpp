#include "core/detect/engine.h"

#include <algorithm>
#include <chrono>
#include <map>

#include <fmt/format.h>

namespace brinkwatch::detect {

namespace {

// The component a sentence must contain to be a candidate for the rule: the one whose
// shortest term is longest, as a proxy for the rarest ("by force" rather than "would"). Its
// terms are scanned over the whole article; the other components only in candidate sentences.
uint32_t anchor_component(const rules::RuleDef& def) {
  uint32_t best = 0;
  size_t best_len = 0;
  for (size_t c = 0; c < def.components.size(); ++c) {
    size_t shortest = SIZE_MAX;
    for (const auto& t : def.components[c].terms) {
      // Regex and macro terms are specific by construction.
      const size_t len = t.text.rfind("re:", 0) == 0 ? 64 : rules::normalise_phrase(t.text).size();
      shortest = std::min(shortest, len);
    }
    if (shortest != SIZE_MAX && shortest > best_len) {
      best_len = shortest;
      best = static_cast<uint32_t>(c);
    }
  }
  return best;
}

}  // namespace

Engine::~Engine() {
  if (db_) hs_free_database(db_);
  if (context_db_) hs_free_database(context_db_);
  if (regex_db_) hs_free_database(regex_db_);
  if (regex_som_db_) hs_free_database(regex_som_db_);
}

Scratch::~Scratch() {
  if (scratch_) hs_free_scratch(scratch_);
}

bool Scratch::prepare(const Engine& engine) {
  // hs_alloc_scratch is costly even when the scratch already fits (it was half the match time
  // when called per article), so it runs once per engine. One scratch serves both databases.
  if (prepared_for_ == engine.serial()) return true;
  if (hs_alloc_scratch(engine.database(), &scratch_) != HS_SUCCESS) return false;
  for (const hs_database_t* db : {engine.context_database(), engine.regex_database(), engine.regex_som_database()}) {
    if (db && hs_alloc_scratch(db, &scratch_) != HS_SUCCESS) return false;
  }
  prepared_for_ = engine.serial();
  return true;
}

std::shared_ptr<const Engine> Engine::build(rules::RuleBook book, geo::Gazetteer gazetteer,
                                            std::vector<rules::TypeDef> types,
                                            rules::Diagnostics& diags) {
  const auto started = std::chrono::steady_clock::now();
  static std::atomic<uint64_t> next_serial{1};
  std::shared_ptr<Engine> e(new Engine());
  e->serial_ = next_serial++;
  e->book_ = std::move(book);
  e->gazetteer_ = std::move(gazetteer);
  e->types_ = std::move(types);

  std::map<std::string, uint32_t> lang_index;
  auto lang_of = [&](const std::string& lang) {
    auto [it, fresh] = lang_index.emplace(lang, static_cast<uint32_t>(e->langs_.size()));
    if (fresh) e->langs_.push_back(lang);
    return it->second;
  };

  std::map<std::string, uint32_t> by_expr;
  std::vector<std::string> exprs;
  std::vector<const rules::Term*> first_term;
  auto add = [&](const rules::Term& term, const std::string& lang, Feature f) {
    ++e->stats_.terms;
    auto expr = rules::compile_term(term, lang, diags);
    if (!expr) return;
    auto [it, fresh] = by_expr.emplace(expr->expression, static_cast<uint32_t>(exprs.size()));
    if (fresh) {
      exprs.push_back(expr->expression);
      e->lengths_.push_back(expr->som ? 0 : expr->length);
      e->prefix_.push_back(expr->prefix || (expr->som && expr->words == 0 && !rules::unspaced_language(lang)));
      e->words_.push_back(expr->words);
      first_term.push_back(&term);
      e->features_.emplace_back();
      e->pattern_terms_.push_back(term.text);
    }
    e->features_[it->second].push_back(f);
  };


  std::map<std::string, uint32_t> type_index;
  for (size_t i = 0; i < e->types_.size(); ++i) type_index[e->types_[i].id] = static_cast<uint32_t>(i);

  const auto& bk = e->book_;
  std::map<std::string, uint32_t> exception_index, modifier_index;  // "lang:name"
  for (size_t i = 0; i < bk.exceptions.size(); ++i) {
    const auto& ex = bk.exceptions[i];
    exception_index[ex.lang + ":" + ex.name] = static_cast<uint32_t>(i);
    // Sentence-scope exceptions matter only around a candidate; document-scope ones count over
    // the whole article.
    for (const auto& t : ex.terms) {
      add(t, ex.lang, {FeatureKind::exception, static_cast<uint32_t>(i), 0, ex.document == 0});
    }
  }
  for (size_t i = 0; i < bk.modifiers.size(); ++i) {
    const auto& md = bk.modifiers[i];
    modifier_index[md.lang + ":" + md.name] = static_cast<uint32_t>(i);
    for (const auto& t : md.cues) add(t, md.lang, {FeatureKind::modifier_cue, static_cast<uint32_t>(i), 0, true});
  }
  for (const auto& [lang, cues] : bk.cues) {
    const uint32_t li = lang_of(lang);
    for (const auto& t : cues.locative) add(t, lang, {FeatureKind::locative, li, 0, true});
    for (const auto& t : cues.clause_breaks) add(t, lang, {FeatureKind::clause_break, li, 0, true});
    for (const auto& t : cues.determiners) add(t, lang, {FeatureKind::determiner, li, 0, true});
    for (const auto& [type, terms] : cues.actor_cues) {
      for (const auto& t : terms) add(t, lang, {FeatureKind::actor_cue, li, type_index[type], true});
    }
  }
  for (size_t r = 0; r < bk.rules.size(); ++r) {
    const auto& def = bk.rules[r];
    CompiledRule cr;
    cr.def = &def;
    cr.type = type_index.at(def.type);
    cr.lang = lang_of(def.lang);
    for (const auto& name : def.unless) cr.unless.push_back(exception_index.at(def.lang + ":" + name));
    for (size_t m = 0; m < bk.modifiers.size(); ++m) {
      const auto& md = bk.modifiers[m];
      if (md.lang != def.lang || def.ignore.count(md.name)) continue;
      if (!md.types.empty() && !md.types.count(def.type)) continue;
      cr.modifiers.push_back(static_cast<uint32_t>(m));
    }
    cr.anchor = anchor_component(def);
    const uint32_t anchor = cr.anchor;
    e->rules_.push_back(std::move(cr));
    for (size_t c = 0; c < def.components.size(); ++c) {
      for (const auto& t : def.components[c].terms) {
        add(t, def.lang, {FeatureKind::component, static_cast<uint32_t>(r), static_cast<uint32_t>(c), c != anchor});
      }
    }
  }
  for (size_t i = 0; i < e->gazetteer_.names.size(); ++i) {
    const auto& pn = e->gazetteer_.names[i];
    add(pn.term, pn.lang, {FeatureKind::place, static_cast<uint32_t>(i), 0});
  }
  if (diags.has_errors()) return nullptr;
  if (exprs.empty()) {
    diags.error("no-terms", "", 0, 0, "the rules and gazetteer define no terms at all");
    return nullptr;
  }

  // Two databases (DESIGN.md, detect/): the MAIN one holds what decides whether a sentence is a
  // candidate and what the article is about (rule terms, exceptions, places) and is scanned over
  // the whole article; the CONTEXT one holds the frequent little words that only matter around a
  // candidate (modifier cues, locatives, determiners, clause breaks, actor cues) and is scanned
  // over candidate sentences only. Most sentences are never candidates, so "the", "in" and "not"
  // are not matched across the whole article.
  // Start-of-match tracking is slow on unbounded regexes (scanning a few dozen regex terms with
  // it cost 40% of the match time), and literals know their start from their length. So the
  // main database's regex terms are compiled twice: without start tracking, scanned over the
  // whole article, and with it, scanned only over a short window ending at each (rare) match.
  std::vector<unsigned> main_ids, regex_ids, som_ids, context_ids;
  for (size_t i = 0; i < exprs.size(); ++i) {
    bool main = false, context = false;
    for (const Feature& f : e->features_[i]) {
      (f.context ? context : main) = true;
    }
    if (main) (e->lengths_[i] == 0 ? regex_ids : main_ids).push_back(static_cast<unsigned>(i));
    if (main && e->lengths_[i] == 0 && e->words_[i] == 0) som_ids.push_back(static_cast<unsigned>(i));
    if (context) context_ids.push_back(static_cast<unsigned>(i));
  }
  auto compile = [&](const std::vector<unsigned>& ids, hs_database_t** db, bool som = true) {
    if (ids.empty()) return true;
    std::vector<const char*> cexprs;
    std::vector<unsigned> flags;
    for (unsigned id : ids) {
      cexprs.push_back(exprs[id].c_str());
      // Literals know their length, so only regex terms pay for start-of-match tracking.
      // Only regexes whose start cannot be worked out (macros, "re:" terms) need it tracked.
      flags.push_back(e->lengths_[id] == 0 && e->words_[id] == 0 && som ? HS_FLAG_SOM_LEFTMOST : 0u);
    }
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(cexprs.data(), flags.data(), ids.data(), static_cast<unsigned>(ids.size()),
                         HS_MODE_BLOCK, nullptr, db, &err) == HS_SUCCESS) {
      return true;
    }
    if (err && err->expression >= 0 && static_cast<size_t>(err->expression) < ids.size()) {
      const rules::Term& t = *first_term[ids[static_cast<size_t>(err->expression)]];
      diags.error("bad-pattern", t.mark.file, t.mark.line, t.mark.column,
                  fmt::format("term \"{}\" cannot be compiled: {}", t.text, err->message));
    } else {
      diags.error("bad-pattern", "", 0, 0,
                  fmt::format("the matcher database cannot be compiled: {}", err ? err->message : "?"));
    }
    if (err) hs_free_compile_error(err);
    return false;
  };
  if (!compile(main_ids, &e->db_) || !compile(regex_ids, &e->regex_db_, false) ||
      !compile(som_ids, &e->regex_som_db_) || !compile(context_ids, &e->context_db_)) {
    return nullptr;
  }
  if (!e->db_) {
    diags.error("no-terms", "", 0, 0, "the rules and gazetteer define no rule terms or places");
    return nullptr;
  }
  size_t bytes = 0, context_bytes = 0;
  hs_database_size(e->db_, &bytes);
  if (e->context_db_) hs_database_size(e->context_db_, &context_bytes);
  bytes += context_bytes;
  if (e->regex_db_) {
    size_t regex_bytes = 0;
    hs_database_size(e->regex_db_, &regex_bytes);
    bytes += regex_bytes;
  }
  e->stats_.patterns = exprs.size();
  e->stats_.rules = e->rules_.size();
  e->stats_.place_names = e->gazetteer_.names.size();
  e->stats_.database_bytes = bytes;
  e->stats_.compile_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return e;
}

}  // namespace brinkwatch::detect
