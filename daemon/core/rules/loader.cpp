// read → merge for the rule language. The grammar is documented in docs/rules.md; keep the two
// in step.
#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/article.h"
#include "core/text/text.h"
#include "core/rules/rulebook.h"

namespace brinkwatch::rules {
namespace {

Mark mark_of(const std::string& file, const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  return {file, m.line + 1, m.column + 1};
}

// Walks one file, reporting problems against its marks.
class FileReader {
 public:
  FileReader(const Source& src, Diagnostics& diags) : src_(src), diags_(diags) {}

  void error(const YAML::Node& at, const std::string& code, const std::string& msg) {
    const Mark m = mark_of(src_.name, at);
    diags_.error(code, m.file, m.line, m.column, msg);
  }

  // Every key of `map` must be in `allowed`.
  bool check_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                  std::string_view what) {
    bool ok = true;
    for (const auto& kv : map) {
      const std::string key = kv.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string list;
        for (auto a : allowed) list += fmt::format("{}{}", list.empty() ? "" : ", ", a);
        error(kv.first, "unknown-key", fmt::format("unknown key \"{}\" in {}; expected one of: {}",
                                                   key, what, list));
        ok = false;
      }
    }
    return ok;
  }

  std::optional<std::string> scalar(const YAML::Node& node, std::string_view what) {
    if (!node.IsScalar()) {
      error(node, "wrong-type", fmt::format("{} must be a single value", what));
      return std::nullopt;
    }
    return node.Scalar();
  }

  std::optional<double> number(const YAML::Node& node, std::string_view what, double lo,
                               double hi) {
    auto s = scalar(node, what);
    if (!s) return std::nullopt;
    try {
      size_t used = 0;
      const double v = std::stod(*s, &used);
      if (used != s->size()) throw std::invalid_argument("trailing");
      if (v < lo || v > hi) {
        error(node, "bad-value", fmt::format("{} must be between {} and {}, not {}", what, lo, hi, *s));
        return std::nullopt;
      }
      return v;
    } catch (const std::exception&) {
      error(node, "wrong-type", fmt::format("{} must be a number, not \"{}\"", what, *s));
      return std::nullopt;
    }
  }

  std::optional<int> integer(const YAML::Node& node, std::string_view what, int lo, int hi) {
    auto v = number(node, what, lo, hi);
    if (!v) return std::nullopt;
    if (*v != static_cast<double>(static_cast<int>(*v))) {
      error(node, "wrong-type", fmt::format("{} must be a whole number", what));
      return std::nullopt;
    }
    return static_cast<int>(*v);
  }

  // A sequence of scalars (a single scalar is accepted as a one-element list).
  std::vector<Term> terms(const YAML::Node& node, std::string_view what) {
    std::vector<Term> out;
    if (node.IsScalar()) {
      out.push_back({node.Scalar(), mark_of(src_.name, node)});
      return out;
    }
    if (!node.IsSequence()) {
      error(node, "wrong-type", fmt::format("{} must be a list of terms", what));
      return out;
    }
    for (const auto& item : node) {
      if (!item.IsScalar() || item.Scalar().empty()) {
        error(item, "wrong-type", fmt::format("each entry of {} must be a non-empty term", what));
        continue;
      }
      out.push_back({item.Scalar(), mark_of(src_.name, item)});
    }
    return out;
  }

  const Source& src_;
  Diagnostics& diags_;
};

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

// A file's raw definitions before lists are expanded.
struct RawRule {
  RuleDef def;
  std::vector<std::pair<std::vector<Term>, Mark>> components;  // terms may be "@list"
  std::vector<std::pair<std::string, Mark>> unless;
  std::vector<std::pair<std::string, Mark>> ignore;
};

struct Merged {
  std::map<std::string, std::pair<std::vector<Term>, Mark>> lists;  // "lang:name"
  std::vector<RawRule> rules;
  std::vector<ExceptionDef> exceptions;
  std::vector<ModifierDef> modifiers;
  std::map<std::string, LanguageCues> cues;
};

std::string ns(std::string_view lang, std::string_view name) {
  return fmt::format("{}:{}", lang, name);
}

void read_file(const Source& src, const std::set<std::string>& types, Merged& m,
               Diagnostics& diags) {
  FileReader r(src, diags);
  YAML::Node root;
  try {
    root = YAML::Load(src.content);
  } catch (const YAML::Exception& e) {
    diags.error("yaml-syntax", src.name, e.mark.line + 1, e.mark.column + 1, e.msg);
    return;
  }
  if (root.IsNull()) return;  // an empty file defines nothing
  if (!root.IsMap()) {
    r.error(root, "wrong-type", "a rules file must be a mapping (lang:, lists:, rules:, ...)");
    return;
  }
  r.check_keys(root, {"version", "lang", "lists", "exceptions", "modifiers", "attribution", "rules"},
               "a rules file");
  std::string lang = "en";
  if (root["lang"]) {
    if (auto v = r.scalar(root["lang"], "lang")) lang = *v;
  }

  if (const auto lists = root["lists"]) {
    if (!lists.IsMap()) {
      r.error(lists, "wrong-type", "lists must be a mapping from list name to terms");
    } else {
      for (const auto& kv : lists) {
        const std::string name = kv.first.Scalar();
        if (!valid_id(name)) {
          r.error(kv.first, "bad-name", fmt::format("list name \"{}\" may use only letters, digits, _ . -", name));
          continue;
        }
        const std::string key = ns(lang, name);
        if (m.lists.count(key)) {
          const Mark& prev = m.lists[key].second;
          r.error(kv.first, "duplicate-list",
                  fmt::format("list \"{}\" ({}) is already defined at {}:{}:{}", name, lang,
                              prev.file, prev.line, prev.column));
          continue;
        }
        m.lists[key] = {r.terms(kv.second, fmt::format("list \"{}\"", name)),
                        mark_of(src.name, kv.first)};
      }
    }
  }

  if (const auto ex = root["exceptions"]) {
    if (!ex.IsMap()) {
      r.error(ex, "wrong-type", "exceptions must be a mapping from name to {terms, near}");
    } else {
      for (const auto& kv : ex) {
        ExceptionDef e;
        e.name = kv.first.Scalar();
        e.lang = lang;
        e.mark = mark_of(src.name, kv.first);
        if (!kv.second.IsMap()) {
          r.error(kv.second, "wrong-type", fmt::format("exception \"{}\" must be a mapping with terms:", e.name));
          continue;
        }
        r.check_keys(kv.second, {"terms", "near", "document", "description"}, fmt::format("exception \"{}\"", e.name));
        if (!kv.second["terms"]) {
          r.error(kv.second, "missing-key", fmt::format("exception \"{}\" needs terms:", e.name));
          continue;
        }
        e.terms = r.terms(kv.second["terms"], fmt::format("exception \"{}\" terms", e.name));
        if (kv.second["near"]) e.near = r.integer(kv.second["near"], "near", 0, 100);
        if (kv.second["document"]) e.document = r.integer(kv.second["document"], "document", 1, 1000).value_or(0);
        m.exceptions.push_back(std::move(e));
      }
    }
  }

  if (const auto mods = root["modifiers"]) {
    if (!mods.IsMap()) {
      r.error(mods, "wrong-type", "modifiers must be a mapping from name to {effect, cues, ...}");
    } else {
      for (const auto& kv : mods) {
        ModifierDef md;
        md.name = kv.first.Scalar();
        md.lang = lang;
        md.mark = mark_of(src.name, kv.first);
        const auto& n = kv.second;
        if (!n.IsMap()) {
          r.error(n, "wrong-type", fmt::format("modifier \"{}\" must be a mapping", md.name));
          continue;
        }
        r.check_keys(n, {"effect", "factor", "cues", "before", "after", "when", "types", "description"},
                     fmt::format("modifier \"{}\"", md.name));
        if (auto e = n["effect"] ? r.scalar(n["effect"], "effect") : std::optional<std::string>()) {
          if (*e == "veto") {
            md.effect = Effect::veto;
          } else if (*e == "weaken") {
            md.effect = Effect::weaken;
          } else {
            r.error(n["effect"], "bad-value", fmt::format("effect must be veto or weaken, not \"{}\"", *e));
          }
        } else {
          r.error(n, "missing-key", fmt::format("modifier \"{}\" needs effect: veto or weaken", md.name));
        }
        if (md.effect == Effect::weaken) {
          if (!n["factor"]) {
            r.error(n, "missing-key", fmt::format("modifier \"{}\" weakens, so it needs factor: (0 to 1)", md.name));
          } else if (auto f = r.number(n["factor"], "factor", 0.0, 1.0)) {
            md.factor = *f;
          }
        }
        if (n["cues"]) md.cues = r.terms(n["cues"], fmt::format("modifier \"{}\" cues", md.name));
        if (n["before"]) md.before = r.integer(n["before"], "before", 0, 50).value_or(0);
        if (n["after"]) md.after = r.integer(n["after"], "after", 0, 50).value_or(0);
        if (n["when"]) {
          auto w = r.scalar(n["when"], "when");
          if (w && *w == "question") {
            md.on_question = true;
          } else if (w) {
            r.error(n["when"], "bad-value", fmt::format("when: must be \"question\", not \"{}\"", *w));
          }
        }
        if (n["types"]) {
          for (const auto& t : r.terms(n["types"], "types")) {
            if (!types.count(t.text)) {
              diags.error("unknown-type", t.mark.file, t.mark.line, t.mark.column,
                          fmt::format("unknown signal type \"{}\"", t.text));
            }
            md.types.insert(t.text);
          }
        }
        if (md.cues.empty() && !md.on_question) {
          r.error(n, "missing-key", fmt::format("modifier \"{}\" needs cues: (or when: question)", md.name));
        }
        m.modifiers.push_back(std::move(md));
      }
    }
  }

  if (const auto at = root["attribution"]) {
    if (!at.IsMap()) {
      r.error(at, "wrong-type", "attribution must be a mapping");
    } else {
      r.check_keys(at, {"locative", "clause_breaks", "determiners", "actor_cues"}, "attribution");
      auto& cues = m.cues[lang];
      if (at["locative"]) {
        auto t = r.terms(at["locative"], "locative");
        cues.locative.insert(cues.locative.end(), t.begin(), t.end());
      }
      if (at["determiners"]) {
        auto t = r.terms(at["determiners"], "determiners");
        cues.determiners.insert(cues.determiners.end(), t.begin(), t.end());
      }
      if (at["clause_breaks"]) {
        auto t = r.terms(at["clause_breaks"], "clause_breaks");
        cues.clause_breaks.insert(cues.clause_breaks.end(), t.begin(), t.end());
      }
      if (const auto ac = at["actor_cues"]) {
        if (!ac.IsMap()) {
          r.error(ac, "wrong-type", "actor_cues must map a signal type to terms");
        } else {
          for (const auto& kv : ac) {
            const std::string type = kv.first.Scalar();
            if (!types.count(type)) {
              r.error(kv.first, "unknown-type", fmt::format("unknown signal type \"{}\"", type));
              continue;
            }
            auto t = r.terms(kv.second, "actor_cues");
            auto& dst = cues.actor_cues[type];
            dst.insert(dst.end(), t.begin(), t.end());
          }
        }
      }
    }
  }

  if (const auto rules = root["rules"]) {
    if (!rules.IsSequence()) {
      r.error(rules, "wrong-type", "rules must be a list");
      return;
    }
    for (const auto& n : rules) {
      if (!n.IsMap()) {
        r.error(n, "wrong-type", "each rule must be a mapping with id:, type:, any: or all:");
        continue;
      }
      RawRule rr;
      RuleDef& d = rr.def;
      d.lang = lang;
      d.mark = mark_of(src.name, n);
      r.check_keys(n, {"id", "revision", "type", "score", "any", "all", "near", "unless", "ignore",
                       "description"},
                   "a rule");
      if (!n["id"]) {
        r.error(n, "missing-key", "a rule needs an id:");
        continue;
      }
      d.id = r.scalar(n["id"], "id").value_or("");
      if (!valid_id(d.id)) {
        r.error(n["id"], "bad-name", fmt::format("rule id \"{}\" may use only letters, digits, _ . -", d.id));
        continue;
      }
      if (n["revision"]) d.revision = r.integer(n["revision"], "revision", 1, 1000000).value_or(1);
      if (!n["type"]) {
        r.error(n, "missing-key", fmt::format("rule \"{}\" needs a type:", d.id));
      } else {
        d.type = r.scalar(n["type"], "type").value_or("");
        if (!types.count(d.type)) {
          std::string known;
          for (const auto& t : types) known += fmt::format("{}{}", known.empty() ? "" : ", ", t);
          r.error(n["type"], "unknown-type",
                  fmt::format("rule \"{}\": unknown signal type \"{}\"; known types: {}", d.id, d.type, known));
        }
      }
      if (n["score"]) d.score = r.number(n["score"], "score", 0.0, 1.0).value_or(1.0);
      if (n["description"]) d.description = r.scalar(n["description"], "description").value_or("");
      if (n["near"]) d.near = r.integer(n["near"], "near", 0, 100);
      const bool has_any = static_cast<bool>(n["any"]);
      const bool has_all = static_cast<bool>(n["all"]);
      if (has_any == has_all) {
        r.error(n, "missing-key", fmt::format("rule \"{}\" needs exactly one of any: (terms) or all: (components)", d.id));
        continue;
      }
      if (has_any) {
        rr.components.push_back({r.terms(n["any"], "any"), mark_of(src.name, n["any"])});
      } else {
        const auto all = n["all"];
        if (!all.IsSequence() || all.size() == 0) {
          r.error(all, "wrong-type", fmt::format("rule \"{}\": all: must be a list of components", d.id));
          continue;
        }
        for (const auto& c : all) rr.components.push_back({r.terms(c, "a component"), mark_of(src.name, c)});
      }
      for (const char* key : {"unless", "ignore"}) {
        if (!n[key]) continue;
        for (const auto& t : r.terms(n[key], key)) {
          (std::string_view(key) == "unless" ? rr.unless : rr.ignore).push_back({t.text, t.mark});
        }
      }
      m.rules.push_back(std::move(rr));
    }
  }
}

// Expands "@list" entries (recursively: a list may include another) into terms.
void expand(const std::vector<Term>& in, const std::string& lang, const Merged& m,
            std::vector<Term>& out, Diagnostics& diags, int depth = 0) {
  for (const auto& t : in) {
    if (t.text.size() > 1 && t.text[0] == '@') {
      const auto it = m.lists.find(ns(lang, t.text.substr(1)));
      if (it == m.lists.end()) {
        diags.error("unknown-list", t.mark.file, t.mark.line, t.mark.column,
                    fmt::format("no list named \"{}\" for language {}", t.text.substr(1), lang));
        continue;
      }
      if (depth > 8) {
        diags.error("list-cycle", t.mark.file, t.mark.line, t.mark.column,
                    fmt::format("list \"{}\" includes itself (directly or through others)", t.text.substr(1)));
        continue;
      }
      expand(it->second.first, lang, m, out, diags, depth + 1);
    } else {
      out.push_back(t);
    }
  }
}

}  // namespace

bool unspaced_language(std::string_view lang) {
  return lang == "zh" || lang == "ja" || lang == "th";
}

std::vector<TypeDef> default_types() {
  return {{"military_deployment", 6, false, false}, {"threat_of_force", 6, false, false},
          {"use_of_force", 8, false, false},        {"regime_change_rhetoric", 5, false, true},
          {"arms_transfer", 4, false, false},       {"coercive_measure", 4, false, false},
          {"diplomatic_rupture", 4, true, false},   {"nuclear_posture", 8, false, false},
          {"de_escalation", -4, true, false}};
}

namespace {

// One regex-escaped byte: alphanumerics as they are, everything else as \xHH.
std::string escape_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  if ((u >= 'a' && u <= 'z') || (u >= '0' && u <= '9')) return std::string(1, c);
  if (u == ' ') return " ";
  return fmt::format("\\x{:02x}", u);
}

std::string escape_literal(std::string_view s) {
  std::string out;
  for (char c : s) out += escape_byte(c);
  return out;
}

}  // namespace

std::string normalise_phrase(std::string_view phrase) {
  const std::string folded = text::fold_case(phrase);
  std::string out;
  size_t i = 0;
  while (i < folded.size()) {
    if (const size_t skip = text::ignorable_length(folded, i)) {
      i += skip;  // as in the match text (detect/detector.cpp)
      continue;
    }
    const size_t sep = text::separator_length(folded, i);
    if (sep > 0) {
      if (!out.empty() && out.back() != ' ') out += ' ';
      i += sep;
      continue;
    }
    if (text::arabic_at(folded, i)) {
      const size_t next = text::append_arabic_word(folded, i, out, nullptr);
      i = next > i ? next : i + 1;
      continue;
    }
    out += folded[i++];
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

namespace {

// A phrase as a regex fragment for macro expansion: literal words, "*" as a word prefix.
std::optional<std::string> phrase_regex(const Term& term, std::string_view /*lang*/,
                                        Diagnostics& diags) {
  const std::string norm = normalise_phrase(term.text);
  std::string re;
  for (size_t i = 0; i < norm.size(); ++i) {
    if (norm[i] == '*') {
      if (i + 1 != norm.size() && norm[i + 1] != ' ') {
        diags.error("bad-term", term.mark.file, term.mark.line, term.mark.column,
                    fmt::format("term \"{}\": \"*\" may only end a word", term.text));
        return std::nullopt;
      }
      re += "[^ ]*";
    } else if (norm[i] == '{' || norm[i] == '}') {
      diags.error("bad-term", term.mark.file, term.mark.line, term.mark.column,
                  fmt::format("term \"{}\": braces are for list macros, which must name a list: {{name}}", term.text));
      return std::nullopt;
    } else {
      re += escape_byte(norm[i]);
    }
  }
  return re;
}

}  // namespace

std::optional<CompiledTerm> compile_term(const Term& term, std::string_view lang,
                                         Diagnostics& diags) {
  CompiledTerm out;
  const bool spaced = !unspaced_language(lang);
  if (term.text.rfind("re:", 0) == 0) {
    if (term.text.size() == 3) {
      diags.error("bad-term", term.mark.file, term.mark.line, term.mark.column, "empty regular expression");
      return std::nullopt;
    }
    out.som = true;
    out.expression = spaced ? " (?:" + term.text.substr(3) + ") " : "(?:" + term.text.substr(3) + ")";
    return out;
  }
  std::string norm = normalise_phrase(term.text);
  if (norm.empty() || norm == "*") {
    diags.error("bad-term", term.mark.file, term.mark.line, term.mark.column,
                fmt::format("term \"{}\" has no letters or digits", term.text));
    return std::nullopt;
  }
  if (norm.find('{') != std::string::npos || norm.find('}') != std::string::npos) {
    diags.error("bad-term", term.mark.file, term.mark.line, term.mark.column,
                fmt::format("term \"{}\": braces are for list macros, which must name a list: {{name}}", term.text));
    return std::nullopt;
  }
  const size_t star = norm.find('*');
  if (star != std::string::npos && star + 1 != norm.size()) {
    // A wildcard inside the phrase ("pull* out"): a regex, which needs start tracking.
    auto re = phrase_regex(term, lang, diags);
    if (!re) return std::nullopt;
    out.som = true;
    out.expression = spaced ? " " + *re + " " : *re;
    if (spaced) out.words = static_cast<uint32_t>(std::count(norm.begin(), norm.end(), ' ') + 1);
    out.prefix = spaced && norm.back() == '*';
    return out;
  }
  const bool prefix = star != std::string::npos;
  if (prefix) norm.pop_back();
  const std::string literal = spaced ? " " + norm + (prefix ? "" : " ") : norm;
  out.expression = escape_literal(literal);
  out.length = static_cast<uint32_t>(literal.size());
  out.prefix = prefix && spaced;
  return out;
}

namespace {

// Expands {name} macros in phrase terms to "re:" terms with the list's alternation inline.
std::vector<Term> expand_macros(const std::vector<Term>& in, const std::string& lang,
                                const Merged& m, Diagnostics& diags) {
  std::vector<Term> out;
  for (const auto& t : in) {
    if (t.text.rfind("re:", 0) == 0 || t.text.find('{') == std::string::npos) {
      out.push_back(t);
      continue;
    }
    // Build the regex piecewise: literal parts via phrase_regex, {list} via alternation.
    std::string re;
    size_t pos = 0;
    bool ok = true;
    while (pos < t.text.size() && ok) {
      const size_t open = t.text.find('{', pos);
      const std::string literal = t.text.substr(pos, open == std::string::npos ? std::string::npos : open - pos);
      if (!literal.empty()) {
        // Spaces at a literal's edges separate it from a macro; keep them as whitespace.
        const bool lead = literal.front() == ' ', trail = literal.back() == ' ';
        const size_t a = literal.find_first_not_of(' '), b = literal.find_last_not_of(' ');
        if (a != std::string::npos) {
          if (lead && !re.empty()) re += " ";
          auto part = phrase_regex({literal.substr(a, b - a + 1), t.mark}, lang, diags);
          if (!part) { ok = false; break; }
          re += *part;
          if (trail && open != std::string::npos) re += " ";
        } else if (!re.empty() && open != std::string::npos) {
          re += " ";
        }
      }
      if (open == std::string::npos) break;
      const size_t close = t.text.find('}', open);
      if (close == std::string::npos) {
        diags.error("bad-term", t.mark.file, t.mark.line, t.mark.column,
                    fmt::format("term \"{}\": unclosed {{", t.text));
        ok = false;
        break;
      }
      const std::string name = t.text.substr(open + 1, close - open - 1);
      const auto it = m.lists.find(ns(lang, name));
      if (it == m.lists.end()) {
        diags.error("unknown-list", t.mark.file, t.mark.line, t.mark.column,
                    fmt::format("term \"{}\": no list named \"{}\" for language {}", t.text, name, lang));
        ok = false;
        break;
      }
      std::vector<Term> members;
      expand(it->second.first, lang, m, members, diags);
      std::string alt;
      for (const auto& mt : members) {
        std::optional<std::string> part;
        if (mt.text.rfind("re:", 0) == 0) {
          part = "(?:" + mt.text.substr(3) + ")";
        } else if (mt.text.find('{') != std::string::npos) {
          diags.error("bad-term", mt.mark.file, mt.mark.line, mt.mark.column,
                      fmt::format("list \"{}\" is used as a macro, so its terms cannot contain macros", name));
          ok = false;
          break;
        } else {
          part = phrase_regex(mt, lang, diags);
        }
        if (!part) { ok = false; break; }
        alt += fmt::format("{}{}", alt.empty() ? "" : "|", *part);
      }
      re += "(?:" + alt + ")";
      pos = close + 1;
    }
    if (ok) out.push_back({"re:" + re, t.mark});
  }
  return out;
}

}  // namespace

RuleBook load_rules(const std::vector<Source>& sources, const std::vector<TypeDef>& types,
                    Diagnostics& diags) {
  std::set<std::string> type_ids;
  for (const auto& t : types) type_ids.insert(t.id);
  Merged m;
  uint64_t version_hash = 14695981039346656037ULL;
  for (const auto& src : sources) {
    read_file(src, type_ids, m, diags);
    version_hash = fnv1a64(src.name, version_hash);
    version_hash = fnv1a64(src.content, version_hash);
  }

  RuleBook book;
  book.version = fmt::format("{:016x}", version_hash).substr(0, 12);

  std::set<std::string> exception_names, modifier_names;
  for (auto& e : m.exceptions) {
    const std::string key = ns(e.lang, e.name);
    if (!exception_names.insert(key).second) {
      diags.error("duplicate-exception", e.mark.file, e.mark.line, e.mark.column,
                  fmt::format("exception \"{}\" ({}) is defined twice", e.name, e.lang));
      continue;
    }
    std::vector<Term> terms;
    expand(e.terms, e.lang, m, terms, diags);
    e.terms = expand_macros(terms, e.lang, m, diags);
    book.exceptions.push_back(std::move(e));
  }
  for (auto& md : m.modifiers) {
    const std::string key = ns(md.lang, md.name);
    if (!modifier_names.insert(key).second) {
      diags.error("duplicate-modifier", md.mark.file, md.mark.line, md.mark.column,
                  fmt::format("modifier \"{}\" ({}) is defined twice", md.name, md.lang));
      continue;
    }
    std::vector<Term> cues;
    expand(md.cues, md.lang, m, cues, diags);
    md.cues = expand_macros(cues, md.lang, m, diags);
    book.modifiers.push_back(std::move(md));
  }
  for (auto& [lang, cues] : m.cues) {
    LanguageCues c;
    expand(cues.locative, lang, m, c.locative, diags);
    expand(cues.clause_breaks, lang, m, c.clause_breaks, diags);
    expand(cues.determiners, lang, m, c.determiners, diags);
    for (auto& [type, terms] : cues.actor_cues) expand(terms, lang, m, c.actor_cues[type], diags);
    book.cues[lang] = std::move(c);
  }

  std::map<std::string, Mark> seen_ids;
  for (auto& rr : m.rules) {
    RuleDef& d = rr.def;
    if (auto [it, fresh] = seen_ids.emplace(d.id, d.mark); !fresh) {
      diags.error("duplicate-id", d.mark.file, d.mark.line, d.mark.column,
                  fmt::format("rule id \"{}\" is already used at {}:{}:{}", d.id, it->second.file,
                              it->second.line, it->second.column));
      continue;
    }
    for (auto& [terms, mark] : rr.components) {
      Component c;
      if (terms.size() == 1) c.label = terms[0].text;
      else if (!terms.empty()) c.label = terms[0].text + (terms.size() > 1 ? "|..." : "");
      std::vector<Term> expanded;
      expand(terms, d.lang, m, expanded, diags);
      c.terms = expand_macros(expanded, d.lang, m, diags);
      if (c.terms.empty()) {
        diags.error("empty-component", mark.file, mark.line, mark.column,
                    fmt::format("rule \"{}\" has a component with no terms", d.id));
      }
      d.components.push_back(std::move(c));
    }
    for (const auto& [name, mark] : rr.unless) {
      if (!exception_names.count(ns(d.lang, name))) {
        diags.error("unknown-exception", mark.file, mark.line, mark.column,
                    fmt::format("rule \"{}\": no exception named \"{}\" for language {}", d.id, name, d.lang));
      }
      d.unless.push_back(name);
    }
    for (const auto& [name, mark] : rr.ignore) {
      if (!modifier_names.count(ns(d.lang, name))) {
        diags.error("unknown-modifier", mark.file, mark.line, mark.column,
                    fmt::format("rule \"{}\": no modifier named \"{}\" for language {}", d.id, name, d.lang));
      }
      d.ignore.insert(name);
    }
    book.rules.push_back(std::move(d));
  }
  return book;
}

}  // namespace brinkwatch::rules
