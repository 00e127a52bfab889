#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/rules/rulebook.h"

namespace brinkwatch::rules {
namespace {

struct Loaded {
  RuleBook book;
  Diagnostics diags;
};

Loaded load(const std::string& yaml, const std::string& name = "t.yaml") {
  Loaded l;
  l.book = load_rules({{name, yaml}}, default_types(), l.diags);
  return l;
}

Loaded load_many(const std::vector<Source>& sources) {
  Loaded l;
  l.book = load_rules(sources, default_types(), l.diags);
  return l;
}

std::vector<std::string> texts(const std::vector<Term>& terms) {
  std::vector<std::string> out;
  for (const auto& t : terms) out.push_back(t.text);
  return out;
}

const RuleDef* rule(const RuleBook& b, const std::string& id) {
  for (const auto& r : b.rules) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

using V = std::vector<std::string>;

// The first diagnostic: a term that cannot be expanded also leaves its component empty, which is
// reported as a second error (empty-component); these tests pin the first, the cause.
std::string first(const Loaded& l) {
  return l.diags.items().empty() ? "(no diagnostics)" : l.diags.items()[0].str();
}

// ---- diagnostics, exact wording ------------------------------------------------------------

TEST(LoadRules, YamlSyntaxWithLineAndColumn) {
  const auto l = load("lang: en\nrules:\n  - id: r1\n    any: [war, \n    type: use_of_force\n  - : :\n");
  ASSERT_TRUE(l.diags.has_errors());
  ASSERT_EQ(l.diags.items().size(), 1u);
  const Diagnostic& d = l.diags.items()[0];
  EXPECT_EQ(d.code, "yaml-syntax");
  EXPECT_EQ(d.file, "t.yaml");
  EXPECT_GT(d.line, 0);
  EXPECT_GT(d.column, 0);
  EXPECT_EQ(d.str(), "t.yaml:6:5: error[yaml-syntax]: end of sequence flow not found");
}

TEST(LoadRules, YamlSyntaxTabIndentation) {
  const auto l = load("rules:\n\t- id: r1\n");
  ASSERT_EQ(l.diags.items().size(), 1u);
  EXPECT_EQ(l.diags.items()[0].code, "yaml-syntax");
  EXPECT_EQ(l.diags.items()[0].line, 2);
}

TEST(LoadRules, UnknownTopLevelKey) {
  const auto l = load("lang: en\nrulez: []\n");
  EXPECT_EQ(l.diags.str(),
            "t.yaml:2:1: error[unknown-key]: unknown key \"rulez\" in a rules file; expected one of: "
            "version, lang, lists, exceptions, modifiers, attribution, rules\n");
}

TEST(LoadRules, UnknownRuleKey) {
  const auto l = load(
      "rules:\n"
      "  - id: r1\n"
      "    type: use_of_force\n"
      "    any: [shelled]\n"
      "    neer: 3\n");
  EXPECT_EQ(l.diags.str(),
            "t.yaml:5:5: error[unknown-key]: unknown key \"neer\" in a rule; expected one of: id, "
            "revision, type, score, any, all, near, unless, ignore, description\n");
}

TEST(LoadRules, MissingKeys) {
  const auto l = load(
      "rules:\n"
      "  - id: r1\n"
      "    any: [shelled]\n"
      "  - type: use_of_force\n"
      "    any: [shelled]\n"
      "  - id: r3\n"
      "    type: use_of_force\n");
  EXPECT_EQ(l.diags.str(),
            "t.yaml:2:5: error[missing-key]: rule \"r1\" needs a type:\n"
            "t.yaml:4:5: error[missing-key]: a rule needs an id:\n"
            "t.yaml:6:5: error[missing-key]: rule \"r3\" needs exactly one of any: (terms) or all: (components)\n");
}

TEST(LoadRules, BothAnyAndAllIsAnError) {
  const auto l = load("rules:\n  - id: r1\n    type: use_of_force\n    any: [a]\n    all: [[b], [c]]\n");
  ASSERT_EQ(l.diags.items().size(), 1u);
  EXPECT_EQ(l.diags.items()[0].code, "missing-key");
}

TEST(LoadRules, MissingKeysInExceptionsAndModifiers) {
  const auto l = load(
      "exceptions:\n"
      "  sport:\n"
      "    near: 3\n"
      "modifiers:\n"
      "  hedge:\n"
      "    effect: weaken\n"
      "    cues: [maybe]\n"
      "  silent:\n"
      "    effect: veto\n");
  EXPECT_EQ(l.diags.str(),
            "t.yaml:3:5: error[missing-key]: exception \"sport\" needs terms:\n"
            "t.yaml:6:5: error[missing-key]: modifier \"hedge\" weakens, so it needs factor: (0 to 1)\n"
            "t.yaml:9:5: error[missing-key]: modifier \"silent\" needs cues: (or when: question)\n");
}

TEST(LoadRules, UnknownType) {
  const auto l = load("rules:\n  - id: r1\n    type: invasion\n    any: [invaded]\n");
  EXPECT_EQ(l.diags.str(),
            "t.yaml:3:11: error[unknown-type]: rule \"r1\": unknown signal type \"invasion\"; known types: "
            "arms_transfer, coercive_measure, de_escalation, diplomatic_rupture, military_deployment, "
            "nuclear_posture, regime_change_rhetoric, threat_of_force, use_of_force\n");
}

TEST(LoadRules, UnknownTypeInModifierAndActorCues) {
  const auto l = load(
      "modifiers:\n"
      "  m:\n"
      "    effect: veto\n"
      "    cues: [not]\n"
      "    types: [use_of_force, skirmish]\n"
      "attribution:\n"
      "  actor_cues:\n"
      "    gifts: [from]\n");
  EXPECT_EQ(l.diags.str(),
            "t.yaml:5:27: error[unknown-type]: unknown signal type \"skirmish\"\n"
            "t.yaml:8:5: error[unknown-type]: unknown signal type \"gifts\"\n");
}

TEST(LoadRules, UnknownList) {
  const auto l = load(
      "lists:\n"
      "  verbs: [shelled]\n"
      "rules:\n"
      "  - id: r1\n"
      "    type: use_of_force\n"
      "    all: [\"@verbs\", \"@targets\"]\n");
  EXPECT_EQ(first(l), "t.yaml:6:21: error[unknown-list]: no list named \"targets\" for language en");
}

TEST(LoadRules, ListsAreNamespacedByLanguage) {
  const auto l = load_many({{"en.yaml", "lang: en\nlists:\n  verbs: [shelled]\n"},
                            {"fr.yaml", "lang: fr\nrules:\n  - id: fr.r1\n    type: use_of_force\n    any: [\"@verbs\"]\n"}});
  EXPECT_EQ(first(l), "fr.yaml:5:11: error[unknown-list]: no list named \"verbs\" for language fr");
}

TEST(LoadRules, DuplicateId) {
  const auto l = load_many({{"a.yaml", "rules:\n  - id: r1\n    type: use_of_force\n    any: [shelled]\n"},
                            {"b.yaml", "rules:\n  - id: other\n    type: use_of_force\n    any: [bombed]\n"
                                       "  - id: r1\n    type: threat_of_force\n    any: [threatened]\n"}});
  EXPECT_EQ(l.diags.str(), "b.yaml:5:5: error[duplicate-id]: rule id \"r1\" is already used at a.yaml:2:5\n");
  // The first definition is kept.
  ASSERT_EQ(l.book.rules.size(), 2u);
  EXPECT_EQ(rule(l.book, "r1")->type, "use_of_force");
}

TEST(LoadRules, DuplicateList) {
  const auto l = load_many({{"a.yaml", "lists:\n  verbs: [a]\n"}, {"b.yaml", "lists:\n  verbs: [b]\n"}});
  EXPECT_EQ(l.diags.str(), "b.yaml:2:3: error[duplicate-list]: list \"verbs\" (en) is already defined at a.yaml:2:3\n");
}

TEST(LoadRules, UnknownException) {
  const auto l = load(
      "exceptions:\n"
      "  sport: {terms: [match]}\n"
      "rules:\n"
      "  - id: r1\n"
      "    type: use_of_force\n"
      "    any: [shelled]\n"
      "    unless: [sport, weather]\n");
  EXPECT_EQ(l.diags.str(), "t.yaml:7:21: error[unknown-exception]: rule \"r1\": no exception named \"weather\" for language en\n");
}

TEST(LoadRules, UnknownModifier) {
  const auto l = load(
      "modifiers:\n"
      "  negation: {effect: veto, cues: [not]}\n"
      "rules:\n"
      "  - id: r1\n"
      "    type: use_of_force\n"
      "    any: [shelled]\n"
      "    ignore: [negation, hedging]\n");
  EXPECT_EQ(l.diags.str(), "t.yaml:7:24: error[unknown-modifier]: rule \"r1\": no modifier named \"hedging\" for language en\n");
}

TEST(LoadRules, WrongTypesAndBadValues) {
  const auto l = load(
      "modifiers:\n"
      "  m: {effect: soften, cues: [maybe]}\n"
      "  q: {effect: weaken, factor: 2, when: always}\n"
      "rules:\n"
      "  - id: r1\n"
      "    type: use_of_force\n"
      "    score: high\n"
      "    near: 2.5\n"
      "    any: [shelled]\n"
      "  - id: \"bad id!\"\n"
      "    type: use_of_force\n"
      "    any: [x]\n");
  EXPECT_EQ(l.diags.str(),
            "t.yaml:2:15: error[bad-value]: effect must be veto or weaken, not \"soften\"\n"
            "t.yaml:3:31: error[bad-value]: factor must be between 0 and 1, not 2\n"
            "t.yaml:3:40: error[bad-value]: when: must be \"question\", not \"always\"\n"
            "t.yaml:3:6: error[missing-key]: modifier \"q\" needs cues: (or when: question)\n"
            "t.yaml:7:12: error[wrong-type]: score must be a number, not \"high\"\n"
            "t.yaml:8:11: error[wrong-type]: near must be a whole number\n"
            "t.yaml:10:9: error[bad-name]: rule id \"bad id!\" may use only letters, digits, _ . -\n");
}

TEST(LoadRules, RulesMustBeAList) {
  const auto l = load("rules:\n  r1: {type: use_of_force}\n");
  EXPECT_EQ(l.diags.str(), "t.yaml:2:3: error[wrong-type]: rules must be a list\n");
}

TEST(LoadRules, EmptyFileDefinesNothing) {
  const auto l = load("");
  EXPECT_FALSE(l.diags.has_errors());
  EXPECT_TRUE(l.book.rules.empty());
  const auto c = load("# only a comment\n");
  EXPECT_FALSE(c.diags.has_errors());
}

TEST(LoadRules, TopLevelMustBeAMapping) {
  const auto l = load("- a\n- b\n");
  EXPECT_EQ(l.diags.str(), "t.yaml:1:1: error[wrong-type]: a rules file must be a mapping (lang:, lists:, rules:, ...)\n");
}

TEST(LoadRules, DiagnosticJson) {
  const auto l = load("rulez: []\n");
  ASSERT_EQ(l.diags.items().size(), 1u);
  EXPECT_EQ(l.diags.items()[0].json(),
            R"({"code":"unknown-key","column":1,"file":"t.yaml","line":1,"message":"unknown key \"rulez\" in a rules file; expected one of: version, lang, lists, exceptions, modifiers, attribution, rules","severity":"error"})");
}

// ---- a good file ---------------------------------------------------------------------------

constexpr const char* kGood = R"(version: 3
lang: en
lists:
  verbs: [deploy*, sent]
  ships: [warships, destroyer*]
  assets: ["@ships", troops]
exceptions:
  drill:
    description: exercises, not operations
    terms: [exercise, "@ships"]
    near: 5
modifiers:
  negation:
    effect: veto
    cues: [not, never]
    before: 3
  hedge:
    effect: weaken
    factor: 0.4
    cues: [may]
    before: 2
    after: 1
    types: [military_deployment]
  question:
    effect: weaken
    factor: 0.3
    when: question
attribution:
  locative: [in, toward]
  clause_breaks: [but]
  actor_cues:
    arms_transfer: [from]
rules:
  - id: en.deploy.ships
    revision: 4
    type: military_deployment
    score: 0.8
    description: ships sent
    all: ["@verbs", "@assets"]
    near: 4
    unless: [drill]
    ignore: [question]
  - id: en.use.shelling
    type: use_of_force
    any: [shelled, "air-strike"]
)";

TEST(LoadRules, GoodFileLoadsWithListsExpanded) {
  const auto l = load(kGood, "good.yaml");
  ASSERT_FALSE(l.diags.has_errors()) << l.diags.str();
  const RuleBook& b = l.book;
  ASSERT_EQ(b.rules.size(), 2u);

  const RuleDef& r = b.rules[0];
  EXPECT_EQ(r.id, "en.deploy.ships");
  EXPECT_EQ(r.revision, 4);
  EXPECT_EQ(r.type, "military_deployment");
  EXPECT_EQ(r.lang, "en");
  EXPECT_DOUBLE_EQ(r.score, 0.8);
  EXPECT_EQ(r.description, "ships sent");
  ASSERT_TRUE(r.near);
  EXPECT_EQ(*r.near, 4);
  ASSERT_EQ(r.components.size(), 2u);
  EXPECT_EQ(texts(r.components[0].terms), (V{"deploy*", "sent"}));
  EXPECT_EQ(r.components[0].label, "@verbs");
  // A list that includes another is expanded recursively, in order.
  EXPECT_EQ(texts(r.components[1].terms), (V{"warships", "destroyer*", "troops"}));
  EXPECT_EQ(r.unless, (V{"drill"}));
  EXPECT_EQ(r.ignore, (std::set<std::string>{"question"}));
  EXPECT_EQ(r.mark.file, "good.yaml");
  EXPECT_EQ(r.mark.line, 34);
  EXPECT_EQ(r.mark.column, 5);
  // Terms keep the marks of where they are written (in the list).
  EXPECT_EQ(r.components[0].terms[0].mark.line, 4);

  const RuleDef& s = b.rules[1];
  EXPECT_EQ(s.revision, 1);
  EXPECT_DOUBLE_EQ(s.score, 1.0);
  EXPECT_FALSE(s.near);
  ASSERT_EQ(s.components.size(), 1u);
  EXPECT_EQ(texts(s.components[0].terms), (V{"shelled", "air-strike"}));
  EXPECT_EQ(s.components[0].label, "shelled|...");

  ASSERT_EQ(b.exceptions.size(), 1u);
  EXPECT_EQ(b.exceptions[0].name, "drill");
  EXPECT_EQ(texts(b.exceptions[0].terms), (V{"exercise", "warships", "destroyer*"}));
  EXPECT_EQ(b.exceptions[0].near, 5);

  ASSERT_EQ(b.modifiers.size(), 3u);
  EXPECT_EQ(b.modifiers[0].name, "negation");
  EXPECT_EQ(b.modifiers[0].effect, Effect::veto);
  EXPECT_EQ(b.modifiers[0].before, 3);
  EXPECT_EQ(b.modifiers[1].effect, Effect::weaken);
  EXPECT_DOUBLE_EQ(b.modifiers[1].factor, 0.4);
  EXPECT_EQ(b.modifiers[1].after, 1);
  EXPECT_EQ(b.modifiers[1].types, (std::set<std::string>{"military_deployment"}));
  EXPECT_TRUE(b.modifiers[2].on_question);
  EXPECT_TRUE(b.modifiers[2].cues.empty());

  ASSERT_EQ(b.cues.count("en"), 1u);
  EXPECT_EQ(texts(b.cues.at("en").locative), (V{"in", "toward"}));
  EXPECT_EQ(texts(b.cues.at("en").clause_breaks), (V{"but"}));
  EXPECT_EQ(texts(b.cues.at("en").actor_cues.at("arms_transfer")), (V{"from"}));

  EXPECT_EQ(b.version.size(), 12u);
}

TEST(LoadRules, VersionDependsOnContent) {
  const auto a = load(kGood, "good.yaml");
  const auto b = load(kGood, "good.yaml");
  const auto c = load(std::string(kGood) + "# a comment changes the version\n", "good.yaml");
  EXPECT_EQ(a.book.version, b.book.version);
  EXPECT_NE(a.book.version, c.book.version);
}

TEST(LoadRules, ListCycleIsReported) {
  const auto l = load(
      "lists:\n"
      "  a: [\"@b\"]\n"
      "  b: [\"@a\"]\n"
      "rules:\n"
      "  - id: r1\n"
      "    type: use_of_force\n"
      "    any: [\"@a\"]\n");
  ASSERT_TRUE(l.diags.has_errors());
  EXPECT_EQ(l.diags.items()[0].code, "list-cycle");
}

// ---- macros ----------------------------------------------------------------------------------

TEST(LoadRules, MacroExpandsToAlternation) {
  const auto l = load(
      "lists:\n"
      "  verb: [sent, deploy*]\n"
      "rules:\n"
      "  - id: r1\n"
      "    type: military_deployment\n"
      "    any: [\"{verb} warships\", \"had {verb}\", \"plain phrase\"]\n");
  ASSERT_FALSE(l.diags.has_errors()) << l.diags.str();
  EXPECT_EQ(texts(l.book.rules[0].components[0].terms),
            (V{"re:(?:sent|deploy[^ ]*) warships", "re:had (?:sent|deploy[^ ]*)", "plain phrase"}));
}

TEST(LoadRules, MacroNamingAnUnknownList) {
  const auto l = load("rules:\n  - id: r1\n    type: use_of_force\n    any: [\"{nope} fire\"]\n");
  EXPECT_EQ(first(l), "t.yaml:4:11: error[unknown-list]: term \"{nope} fire\": no list named \"nope\" for language en");
}

TEST(LoadRules, MacroUnclosedBrace) {
  const auto l = load("lists:\n  v: [a]\nrules:\n  - id: r1\n    type: use_of_force\n    any: [\"{v fire\"]\n");
  EXPECT_EQ(first(l), "t.yaml:6:11: error[bad-term]: term \"{v fire\": unclosed {");
}

TEST(LoadRules, StarMisuseInsideAMacroPhrase) {
  const auto l = load(
      "lists:\n"
      "  verb: [sent]\n"
      "rules:\n"
      "  - id: r1\n"
      "    type: use_of_force\n"
      "    any: [\"{verb} tr*ops\"]\n");
  EXPECT_EQ(first(l), "t.yaml:6:11: error[bad-term]: term \"tr*ops\": \"*\" may only end a word");
}

// ---- terms -----------------------------------------------------------------------------------

std::optional<CompiledTerm> compile(const std::string& text, Diagnostics& d, const std::string& lang = "en") {
  return compile_term({text, {"t.yaml", 3, 7}}, lang, d);
}

TEST(CompileTerm, PhraseBecomesSpacedLiteral) {
  Diagnostics d;
  auto t = compile("Air-Strike", d);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->expression, " air strike ");
  EXPECT_FALSE(t->som);
  EXPECT_EQ(t->length, 12u);
  EXPECT_FALSE(d.has_errors());
}

TEST(CompileTerm, PrefixDropsTheClosingSpace) {
  Diagnostics d;
  auto t = compile("deploy*", d);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->expression, " deploy");
  EXPECT_EQ(t->length, 7u);
}

TEST(CompileTerm, NonAlphanumericBytesAreEscaped) {
  Diagnostics d;
  auto t = compile("F-35", d);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->expression, " f 35 ");
  auto u = compile("Київ", d);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->expression, " \\xd0\\xba\\xd0\\xb8\\xd1\\x97\\xd0\\xb2 ");
  EXPECT_EQ(u->length, 10u);
}

TEST(CompileTerm, InnerWildcardIsARegex) {
  Diagnostics d;
  auto t = compile("pull* out", d);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->som);
  EXPECT_EQ(t->expression, " pull[^ ]* out ");
}

TEST(CompileTerm, RawRegex) {
  Diagnostics d;
  auto t = compile("re:in (?:19|20)[0-9]{2}", d);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->som);
  EXPECT_EQ(t->expression, " (?:in (?:19|20)[0-9]{2}) ");
  auto e = compile("re:", d);
  EXPECT_FALSE(e);
  EXPECT_EQ(d.str(), "t.yaml:3:7: error[bad-term]: empty regular expression\n");
}

TEST(CompileTerm, UnspacedLanguagesGetNoBoundaries) {
  Diagnostics d;
  auto t = compile("台湾海峡", d, "zh");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->expression.front(), '\\');
  EXPECT_EQ(t->length, 12u);
  EXPECT_TRUE(unspaced_language("ja"));
  EXPECT_FALSE(unspaced_language("ar"));
}

TEST(CompileTerm, BadStar) {
  Diagnostics d;
  EXPECT_FALSE(compile("*", d));
  EXPECT_FALSE(compile("de*ploy", d));
  EXPECT_FALSE(compile("--", d));
  EXPECT_FALSE(compile("{list}", d));
  EXPECT_EQ(d.str(),
            "t.yaml:3:7: error[bad-term]: term \"*\" has no letters or digits\n"
            "t.yaml:3:7: error[bad-term]: term \"de*ploy\": \"*\" may only end a word\n"
            "t.yaml:3:7: error[bad-term]: term \"--\" has no letters or digits\n"
            "t.yaml:3:7: error[bad-term]: term \"{list}\": braces are for list macros, which must name a list: {name}\n");
}

TEST(NormalisePhrase, Examples) {
  EXPECT_EQ(normalise_phrase("Air-Strike"), "air strike");
  EXPECT_EQ(normalise_phrase("U.S."), "u s");
  EXPECT_EQ(normalise_phrase("Maduro's"), "maduro s");
  EXPECT_EQ(normalise_phrase("Maduro\xe2\x80\x99s"), "maduro s");  // curly apostrophe
  EXPECT_EQ(normalise_phrase("  Deploy*  "), "deploy*");
  EXPECT_EQ(normalise_phrase("F-35 jets"), "f 35 jets");
  EXPECT_EQ(normalise_phrase("cease\xc2\xa0" "fire"), "cease fire");  // NBSP
  EXPECT_EQ(normalise_phrase("\xc3\x89tats-Unis"), "\xc3\xa9tats unis");
  EXPECT_EQ(normalise_phrase("...!?"), "");
  EXPECT_EQ(normalise_phrase(""), "");
}

}  // namespace
}  // namespace brinkwatch::rules
