// Mechanisms of detection (confirmation, exceptions, modifiers, attribution) on a tiny engine
// built from inline rules and an inline gazetteer, with invented sentences. Rule behaviour of the
// shipped lexicon is tested by the YAML cases under tests/rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/detect/detector.h"
#include "core/detect/engine.h"
#include "core/geo/gazetteer.h"
#include "core/rules/rulebook.h"
#include "core/text/text.h"

namespace brinkwatch::detect {
namespace {

constexpr const char* kRules = R"(lang: en
lists:
  verb: [sent, deploy*]
  asset: [warships, troops]
exceptions:
  drill: {terms: [exercise], near: 3}
  sport: {terms: [football]}
modifiers:
  negation: {effect: veto, cues: [not, never], before: 4}
  hedge: {effect: weaken, factor: 0.3, cues: [might], before: 3}
  question: {effect: weaken, factor: 0.3, when: question}
attribution:
  locative: [in, toward, near, to]
  clause_breaks: [but]
  actor_cues:
    arms_transfer: [from]
rules:
  - id: t.single
    type: use_of_force
    score: 0.9
    any: [shelled]
  - id: t.moved
    type: military_deployment
    score: 0.8
    all: ["@verb", "@asset"]
    near: 3
    unless: [drill, sport]
  - id: t.ultimatum
    type: threat_of_force
    score: 0.8
    any: [ultimatum]
    ignore: [question]
  - id: t.truce
    type: de_escalation
    any: [ceasefire]
  - id: t.arms
    type: arms_transfer
    all: [[received], [missiles]]
)";

constexpr const char* kCountries = R"(countries:
  - code: US
    name: United States
    m49_region: Americas
    m49_sub_region: Northern America
    names: {en: [United States]}
    demonyms: {en: [American]}
    institutions: {en: [Pentagon]}
  - code: VE
    name: Venezuela
    m49_region: Americas
    m49_sub_region: Latin America and the Caribbean
    m49_intermediate_region: South America
    names: {en: [Venezuela]}
    capitals: {en: [Caracas]}
  - code: CO
    name: Colombia
    m49_region: Americas
    m49_sub_region: Latin America and the Caribbean
    m49_intermediate_region: South America
    names: {en: [Colombia]}
  - code: RU
    name: Russia
    names: {en: [Russia]}
  - code: CG
    name: Congo
    names: {en: [Congo, Republic of the Congo]}
  - code: CD
    name: DR Congo
    names: {en: [Democratic Republic of the Congo]}
)";

constexpr const char* kTheatres = R"(theatres:
  - id: caribbean_sea
    name: Caribbean Sea
    names: {en: [Caribbean Sea, Caribbean]}
    countries: [VE, CO]
)";

class DetectorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rules::Diagnostics diags;
    auto types = rules::default_types();
    auto book = rules::load_rules({{"rules.yaml", kRules}}, types, diags);
    auto gaz = geo::load_gazetteer({{"countries.yaml", kCountries}, {"theatres.yaml", kTheatres}}, diags);
    ASSERT_FALSE(diags.has_errors()) << diags.str();
    engine_ = Engine::build(std::move(book), std::move(gaz), std::move(types), diags);
    ASSERT_TRUE(engine_) << diags.str();
  }
  static void TearDownTestSuite() { engine_.reset(); }

  Detection run(const std::string& title, const std::string& body, DetectOptions opt = {}) {
    Detector d(opt);
    doc_ = text::make_document(title, body);
    return d.detect(*engine_, doc_);
  }
  Detection run(const std::string& body) { return run("", body); }

  static const Signal* find(const Detection& d, const std::string& type) {
    for (const auto& s : d.signals) {
      if (s.type == type) return &s;
    }
    return nullptr;
  }
  static std::vector<std::string> types(const Detection& d) {
    std::vector<std::string> out;
    for (const auto& s : d.signals) out.push_back(s.type);
    return out;
  }

  static std::shared_ptr<const Engine> engine_;
  text::Document doc_;
};

std::shared_ptr<const Engine> DetectorTest::engine_;

using V = std::vector<std::string>;

TEST_F(DetectorTest, EngineStats) {
  const auto& st = engine_->stats();
  EXPECT_EQ(st.rules, 5u);
  EXPECT_EQ(st.place_names, 12u);
  EXPECT_GT(st.patterns, 0u);
  EXPECT_LE(st.patterns, st.terms);
}

TEST_F(DetectorTest, NoTermNoSignal) {
  const auto d = run("Quiet day at the harbour.");
  EXPECT_TRUE(d.signals.empty());
  EXPECT_FALSE(d.truncated);
}

TEST_F(DetectorTest, SingleTermRuleFires) {
  const auto d = run("Artillery shelled the town overnight.");
  ASSERT_EQ(types(d), (V{"use_of_force"}));
  const Signal& s = d.signals[0];
  EXPECT_DOUBLE_EQ(s.score, 0.9);
  EXPECT_DOUBLE_EQ(s.weight, 8);
  ASSERT_EQ(s.evidence.size(), 1u);
  EXPECT_EQ(s.evidence[0].rule_id, "t.single");
  EXPECT_EQ(s.evidence[0].revision, 1);
  EXPECT_EQ(s.evidence[0].terms, (V{"shelled"}));
  EXPECT_EQ(s.evidence[0].sentence, "Artillery shelled the town overnight.");
}

TEST_F(DetectorTest, TermsMatchWholeWordsCaseInsensitively) {
  EXPECT_EQ(types(run("Artillery SHELLED the town.")), (V{"use_of_force"}));
  EXPECT_TRUE(run("The unshelled peanuts were sold.").signals.empty());
  EXPECT_TRUE(run("The shelledness of it.").signals.empty());
}

TEST_F(DetectorTest, AllComponentsInOneSentence) {
  EXPECT_EQ(types(run("The navy sent warships.")), (V{"military_deployment"}));
  // Each component alone is not enough, nor the two in different sentences.
  EXPECT_TRUE(run("The navy sent a letter.").signals.empty());
  EXPECT_TRUE(run("Warships are costly.").signals.empty());
  EXPECT_TRUE(run("The navy sent a letter. Warships are costly.").signals.empty());
}

TEST_F(DetectorTest, NearCountsWordsBetweenTerms) {
  EXPECT_EQ(types(run("The navy sent warships.")), (V{"military_deployment"}));
  EXPECT_EQ(types(run("The navy sent three old warships.")), (V{"military_deployment"}));          // 2
  EXPECT_EQ(types(run("The navy sent three old grey warships.")), (V{"military_deployment"}));     // 3
  EXPECT_TRUE(run("The navy sent three old grey rusty warships.").signals.empty());               // 4
  // Order does not matter.
  EXPECT_EQ(types(run("Warships were sent.")), (V{"military_deployment"}));
  EXPECT_TRUE(run("Warships of the old fleet were sent.").signals.empty());
}

TEST_F(DetectorTest, NonAsciiPunctuationIsNotAWord) {
  // Guillemets, curly quotes and CJK commas separate words as ASCII punctuation does: they are
  // not words themselves, and "x，y" is two words, not one.
  EXPECT_EQ(types(run("The navy sent three \u00ab old \u00bb grey warships.")), (V{"military_deployment"}));  // 3
  EXPECT_TRUE(run("The navy sent three \u00ab old \u00bb grey rusty warships.").signals.empty());             // 4
  EXPECT_EQ(types(run("The navy sent three \u201c old \u201d grey warships.")), (V{"military_deployment"}));  // 3
  EXPECT_TRUE(run("The navy sent a\uff0cb\uff0cc\uff0cd warships.").signals.empty());                          // 4
}

TEST_F(DetectorTest, NearVetoIsExplained) {
  DetectOptions opt;
  opt.explain = true;
  const auto d = run("", "The navy sent three old grey rusty warships.", opt);
  EXPECT_TRUE(d.signals.empty());
  ASSERT_EQ(d.trace.size(), 1u);
  EXPECT_EQ(d.trace[0].rule_id, "t.moved");
  EXPECT_EQ(d.trace[0].outcome, "vetoed by terms 4 words apart (near: 3)");
}

TEST_F(DetectorTest, ExceptionWithSentenceScope) {
  EXPECT_TRUE(run("After the football final the army sent troops to the stadium gates.").signals.empty());
  // Another sentence does not veto.
  EXPECT_EQ(types(run("The football final was cancelled. The army sent troops.")), (V{"military_deployment"}));
}

TEST_F(DetectorTest, ExceptionWithNearScope) {
  EXPECT_TRUE(run("Warships were sent for an exercise.").signals.empty());  // 2 words away
  EXPECT_EQ(types(run("Warships were sent to the coast, ten days after a long planned naval exercise.")),
            (V{"military_deployment"}));
  DetectOptions opt;
  opt.explain = true;
  const auto d = run("", "Warships were sent for an exercise.", opt);
  ASSERT_EQ(d.trace.size(), 1u);
  EXPECT_EQ(d.trace[0].outcome, "vetoed by exception drill (\"exercise\")");
}

TEST_F(DetectorTest, NegationBeforeTheMatchVetoes) {
  EXPECT_TRUE(run("The army has not deployed troops.").signals.empty());
  EXPECT_TRUE(run("The army never sent troops.").signals.empty());
  // Within `before: 4` words.
  EXPECT_TRUE(run("It was not clear the army deployed troops.").signals.empty());
  // Negation is not a veto on rules of other sentences.
  EXPECT_EQ(types(run("Officials would not comment. The army deployed troops.")), (V{"military_deployment"}));
}

TEST_F(DetectorTest, NegationInsideTheMatchVetoes) {
  EXPECT_TRUE(run("Troops were not deployed.").signals.empty());
}

TEST_F(DetectorTest, NegationBeyondItsReachDoesNotVeto) {
  EXPECT_EQ(types(run("Not one of the officials said the army deployed troops.")), (V{"military_deployment"}));
}

TEST_F(DetectorTest, ClauseBreakStopsNegation) {
  EXPECT_EQ(types(run("Officials did not comment; the army deployed troops.")), (V{"military_deployment"}));
  EXPECT_EQ(types(run("Officials would not comment but the army deployed troops.")), (V{"military_deployment"}));
  EXPECT_EQ(types(run("Officials did not comment: the army deployed troops.")), (V{"military_deployment"}));
  // The same distance without a break vetoes.
  EXPECT_TRUE(run("Officials would not comment that the army deployed troops.").signals.empty());
}

TEST_F(DetectorTest, WeakenBelowMinScoreDrops) {
  EXPECT_TRUE(run("The army might deploy troops.").signals.empty());  // 0.8 × 0.3 = 0.24
  DetectOptions low;
  low.min_score = 0.2;
  const auto d = run("", "The army might deploy troops.", low);
  ASSERT_EQ(types(d), (V{"military_deployment"}));
  EXPECT_NEAR(d.signals[0].score, 0.24, 1e-9);
  EXPECT_EQ(d.signals[0].modifiers, (V{"hedge"}));
  EXPECT_EQ(d.signals[0].evidence[0].modifiers, (V{"hedge"}));
}

TEST_F(DetectorTest, WeakenBelowMinScoreIsExplained) {
  DetectOptions opt;
  opt.explain = true;
  const auto d = run("", "The army might deploy troops.", opt);
  ASSERT_EQ(d.trace.size(), 1u);
  EXPECT_EQ(d.trace[0].outcome, "vetoed by score 0.24 below min_score 0.50");
}

TEST_F(DetectorTest, QuestionWeakens) {
  EXPECT_EQ(types(run("The navy sent warships.")), (V{"military_deployment"}));
  EXPECT_TRUE(run("Has the navy sent warships?").signals.empty());
  DetectOptions low;
  low.min_score = 0.1;
  const auto d = run("", "Has the navy sent warships?", low);
  ASSERT_EQ(types(d), (V{"military_deployment"}));
  EXPECT_EQ(d.signals[0].modifiers, (V{"question"}));
}

TEST_F(DetectorTest, IgnoreExemptsARuleFromAModifier) {
  // t.ultimatum ignores the question modifier, but not the others.
  const auto d = run("Is the ultimatum real?");
  ASSERT_EQ(types(d), (V{"threat_of_force"}));
  EXPECT_DOUBLE_EQ(d.signals[0].score, 0.8);
  EXPECT_TRUE(d.signals[0].modifiers.empty());
  EXPECT_TRUE(run("There was never an ultimatum.").signals.empty());
}

TEST_F(DetectorTest, PrefixTermMatchesWordStartAndShowsTheWholeWord) {
  const auto d = run("The ministry deployed troops.");
  ASSERT_EQ(types(d), (V{"military_deployment"}));
  EXPECT_EQ(d.signals[0].evidence[0].terms, (V{"deployed", "troops"}));
  EXPECT_EQ(types(run("Deployments of troops began.")), (V{"military_deployment"}));
  // A prefix anchors at a word start: "redeployed" is not "deploy*".
  EXPECT_TRUE(run("The ministry redeployed troops.").signals.empty());
}

TEST_F(DetectorTest, EvidenceOffsetsPointIntoTitleOrText) {
  const std::string title = "Navy sent warships";
  const std::string body = "Calm day. Artillery shelled the port.";
  const auto d = run(title, body);
  const Signal* dep = find(d, "military_deployment");
  const Signal* uof = find(d, "use_of_force");
  ASSERT_TRUE(dep && uof);
  const Evidence& e1 = dep->evidence.at(0);
  EXPECT_EQ(e1.field, "title");
  EXPECT_EQ(e1.begin, 0u);
  EXPECT_EQ(e1.end, title.size());
  EXPECT_EQ(title.substr(e1.begin, e1.end - e1.begin), e1.sentence);
  const Evidence& e2 = uof->evidence.at(0);
  EXPECT_EQ(e2.field, "text");
  EXPECT_EQ(e2.begin, 10u);
  EXPECT_EQ(e2.end, body.size());
  EXPECT_EQ(body.substr(e2.begin, e2.end - e2.begin), "Artillery shelled the port.");
}

TEST_F(DetectorTest, EvidenceIsOnePerSentenceAndCapped) {
  DetectOptions opt;
  opt.max_evidence = 2;
  const auto d = run("", "Guns shelled a farm. Guns shelled a road and shelled a bridge. Guns shelled a port.", opt);
  ASSERT_EQ(types(d), (V{"use_of_force"}));
  ASSERT_EQ(d.signals[0].evidence.size(), 2u);
  EXPECT_EQ(d.signals[0].evidence[0].sentence, "Guns shelled a farm.");
  EXPECT_EQ(d.signals[0].evidence[1].sentence, "Guns shelled a road and shelled a bridge.");
}

TEST_F(DetectorTest, AttributionActorAndTarget) {
  const auto d = run("The United States sent warships toward Venezuela.");
  const Signal* s = find(d, "military_deployment");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->countries, (V{"VE"}));
  EXPECT_EQ(s->actors, (V{"US"}));
  EXPECT_EQ(s->regions, (V{"country:VE", "m49:latin-america-and-the-caribbean", "m49:south-america"}));
  EXPECT_TRUE(s->theatres.empty());
}

TEST_F(DetectorTest, AttributionDemonymQualifyingTheForces) {
  // "American" stands inside the match but qualifies the forces: an actor, not the target.
  const auto d = run("The Pentagon said it sent American warships toward Venezuela.");
  const Signal* s = find(d, "military_deployment");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->countries, (V{"VE"}));
  EXPECT_EQ(s->actors, (V{"US"}));
}

TEST_F(DetectorTest, AttributionActorCue) {
  const auto d = run("The army received missiles from Russia.");
  const Signal* s = find(d, "arms_transfer");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->actors, (V{"RU"}));
}

TEST_F(DetectorTest, TheatreIsRecorded) {
  const auto d = run("Tensions with Venezuela grew. The United States sent warships to the Caribbean Sea.");
  const Signal* s = find(d, "military_deployment");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->theatres, (V{"caribbean_sea"}));
  EXPECT_EQ(s->actors, (V{"US"}));
  // No country for the event in its sentence: the focus country that borders the theatre.
  EXPECT_EQ(s->countries, (V{"VE"}));
  EXPECT_NE(std::find(s->regions.begin(), s->regions.end(), "theatre:caribbean_sea"), s->regions.end());
}

TEST_F(DetectorTest, FallbackToTheArticleFocus) {
  const auto d = run("Venezuela on edge", "Colombia watched. Venezuela held talks. Troops were deployed overnight.");
  const Signal* s = find(d, "military_deployment");
  ASSERT_TRUE(s);
  // Venezuela: once in the title (counts twice) and once in the body; Colombia once.
  EXPECT_EQ(s->countries, (V{"VE"}));
  EXPECT_TRUE(s->actors.empty());
}

TEST_F(DetectorTest, NoPlaceAtAll) {
  const auto d = run("Troops were deployed overnight.");
  const Signal* s = find(d, "military_deployment");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->countries.empty());
  EXPECT_TRUE(s->regions.empty());
}

TEST_F(DetectorTest, ActorsActAtHomeWhenNothingElseIsNamed) {
  const auto d = run("Venezuela deployed troops.");
  const Signal* s = find(d, "military_deployment");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->actors, (V{"VE"}));
  EXPECT_EQ(s->countries, (V{"VE"}));
}

TEST_F(DetectorTest, LongestPlaceNameWins) {
  const auto d = run("Troops were deployed in the Democratic Republic of the Congo.");
  const Signal* s = find(d, "military_deployment");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->countries, (V{"CD"}));
  EXPECT_TRUE(s->actors.empty());
  const auto e = run("Troops were deployed in the Republic of the Congo.");
  ASSERT_TRUE(find(e, "military_deployment"));
  EXPECT_EQ(find(e, "military_deployment")->countries, (V{"CG"}));
}

TEST_F(DetectorTest, PartiesTypeListsBoth) {
  const auto d = run("Venezuela and Colombia agreed a ceasefire.");
  const Signal* s = find(d, "de_escalation");
  ASSERT_TRUE(s);
  std::vector<std::string> c = s->countries;
  std::sort(c.begin(), c.end());
  EXPECT_EQ(c, (V{"CO", "VE"}));
}

TEST_F(DetectorTest, OneSignalPerTypeWithTheBestScore) {
  DetectOptions low;
  low.min_score = 0.1;
  const auto d = run("", "The army might deploy troops. Later the navy sent warships.", low);
  ASSERT_EQ(types(d), (V{"military_deployment"}));
  EXPECT_DOUBLE_EQ(d.signals[0].score, 0.8);
  ASSERT_EQ(d.signals[0].evidence.size(), 2u);
  EXPECT_EQ(d.signals[0].evidence[0].sentence, "Later the navy sent warships.");
  EXPECT_EQ(d.signals[0].modifiers, (V{"hedge"}));
}

TEST_F(DetectorTest, MaxHitsTruncates) {
  std::string body;
  for (int i = 0; i < 500; ++i) body += "Guns shelled it. ";
  DetectOptions opt;
  opt.max_hits = 100;
  const auto d = run("", body, opt);
  EXPECT_TRUE(d.truncated);
  // What was matched before the budget ran out still counts.
  EXPECT_EQ(types(d), (V{"use_of_force"}));
  const auto full = run("", body);
  EXPECT_FALSE(full.truncated);
}

TEST_F(DetectorTest, DetectorIsReusable) {
  Detector det;
  const auto a = text::make_document("", "Artillery shelled the town.");
  const auto b = text::make_document("", "Quiet day.");
  EXPECT_EQ(det.detect(*engine_, a).signals.size(), 1u);
  EXPECT_TRUE(det.detect(*engine_, b).signals.empty());
  EXPECT_EQ(det.detect(*engine_, a).signals.size(), 1u);
}

TEST(EngineBuild, BadTermIsADiagnostic) {
  rules::Diagnostics diags;
  auto types = rules::default_types();
  auto book = rules::load_rules({{"r.yaml", "rules:\n  - id: r1\n    type: use_of_force\n    any: [\"sh*lled\"]\n"}},
                                types, diags);
  ASSERT_FALSE(diags.has_errors()) << diags.str();
  auto engine = Engine::build(std::move(book), {}, std::move(types), diags);
  EXPECT_FALSE(engine);
  EXPECT_EQ(diags.str(), "r.yaml:4:11: error[bad-term]: term \"sh*lled\": \"*\" may only end a word\n");
}

TEST(EngineBuild, NothingToMatchIsAnError) {
  rules::Diagnostics diags;
  auto engine = Engine::build({}, {}, rules::default_types(), diags);
  EXPECT_FALSE(engine);
  EXPECT_EQ(diags.str(), ": error[no-terms]: the rules and gazetteer define no terms at all\n");
}

}  // namespace
}  // namespace brinkwatch::detect
