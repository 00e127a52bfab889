// The hostile-input corpus (issue 6 item 2): one test per kind of bad or pathological message,
// through the per-message path exactly as the detect stage runs it (ArticleDecoder with the
// shipped config's limits and field names → prepare_document → Detector with the shipped
// rules → brinkwatch.signal/1 records). Each kind either decodes to a specific error code (the
// daemon's dead-letter `error.code`) or is processed correctly, with what "correctly" means
// asserted. docs/reliability.md ("Hostile input") lists the kinds and points here.
// Big inputs are built in code, not stored as files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "app/config.h"
#include "core/article.h"
#include "core/detect/detector.h"
#include "core/pipeline.h"
#include "core/text/text.h"

namespace brinkwatch {
namespace {

// A sentence the shipped English rules read as military_deployment in Venezuela
// (tests/rules/en/military_deployment.yaml, "warships sent toward venezuela").
constexpr std::string_view kSignal =
    "The United States sent three guided-missile destroyers toward Venezuela on Tuesday, two "
    "defence officials said.";

struct Outcome {
  std::string code;  // "ok" or the error code
  Article article;
  text::Document doc;
  detect::Detection detection;
  std::vector<SignalRecord> records;

  bool has(std::string_view type) const {
    return std::any_of(detection.signals.begin(), detection.signals.end(),
                       [&](const detect::Signal& s) { return s.type == type; });
  }
};

class HostileInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rules::Diagnostics diags;
    config_ = new app::Config(app::load_config(BRINKWATCH_SOURCE_DIR "/config/brinkwatch.yaml", diags));
    ASSERT_FALSE(diags.has_errors()) << diags.str();
    engine_ = app::load_engine(*config_, diags);
    ASSERT_TRUE(engine_) << diags.str();
  }
  static void TearDownTestSuite() {
    engine_.reset();
    delete config_;
    config_ = nullptr;
  }

  // The detect stage's per-message path (app/detect_stage.cpp, DetectStage::process).
  static Outcome run(std::string_view message, DecodeLimits limits) {
    ArticleDecoder decoder(config_->fields, limits);
    detect::Detector detector(config_->detect);
    Outcome o;
    auto article = decoder.decode(message);
    if (!article) {
      o.code = article.error().code;
      EXPECT_FALSE(article.error().message.empty());
      return o;
    }
    o.code = "ok";
    o.article = *article;
    o.doc = prepare_document(o.article);
    o.detection = detector.detect(*engine_, o.doc);
    o.records = to_signal_records(o.article, o.detection, engine_->version(), 1772439300000,
                                  aggregate::minhash(o.doc));
    for (const SignalRecord& r : o.records) {
      // Every record must be valid JSON whatever the input held (ids with control characters).
      EXPECT_TRUE(nlohmann::json::accept(r.value)) << r.value.substr(0, 200);
    }
    return o;
  }
  static Outcome run(std::string_view message) { return run(message, config_->limits); }

  static std::string article_json(std::string_view text, std::string_view id = "h-1") {
    return nlohmann::json{{"id", id}, {"title", "Report"}, {"text", text}, {"lang", "en"}}.dump();
  }

  static app::Config* config_;
  static std::shared_ptr<const detect::Engine> engine_;
};

app::Config* HostileInput::config_ = nullptr;
std::shared_ptr<const detect::Engine> HostileInput::engine_;

// ---- the reference: the signal sentence is detected when nothing is wrong -------------------

TEST_F(HostileInput, ReferenceArticleIsDetected) {
  const Outcome o = run(article_json(kSignal));
  ASSERT_EQ(o.code, "ok");
  EXPECT_TRUE(o.has("military_deployment"));
  EXPECT_FALSE(o.records.empty());
}

// ---- empty, whitespace -----------------------------------------------------------------------

TEST_F(HostileInput, EmptyMessage) { EXPECT_EQ(run("").code, "empty"); }

TEST_F(HostileInput, WhitespaceOnlyMessage) { EXPECT_EQ(run(" \t\r\n\n   \t").code, "empty"); }

TEST_F(HostileInput, ObjectWithOnlyWhitespaceContent) {
  EXPECT_EQ(run(R"({"id": "w", "title": "", "text": "", "html": null})").code, "missing_content");
  // Whitespace is content as far as decoding goes; it yields no signal.
  const Outcome o = run(R"({"id": "w", "text": "   \n\t   \n"})");
  ASSERT_EQ(o.code, "ok");
  EXPECT_TRUE(o.detection.signals.empty());
  EXPECT_TRUE(o.records.empty());
}

// ---- truncated and malformed JSON ------------------------------------------------------------

TEST_F(HostileInput, TruncatedInsideAString) {
  EXPECT_EQ(run(R"({"id": "t", "title": "unterminated)").code, "invalid_json");
}

TEST_F(HostileInput, TruncatedBeforeTheClosingBrace) {
  EXPECT_EQ(run(std::string(article_json(kSignal)).substr(0, article_json(kSignal).size() - 1)).code,
            "invalid_json");
}

TEST_F(HostileInput, TruncatedAfterAColon) { EXPECT_EQ(run(R"({"id": "t", "text":)").code, "invalid_json"); }

TEST_F(HostileInput, TrailingGarbageAfterTheObject) {
  EXPECT_EQ(run(article_json(kSignal) + " trailing").code, "invalid_json");
}

TEST_F(HostileInput, TwoConcatenatedObjects) {
  EXPECT_EQ(run(article_json(kSignal) + article_json(kSignal)).code, "invalid_json");
}

TEST_F(HostileInput, NaNAndInfinityLiterals) {
  EXPECT_EQ(run(R"({"id": "n", "text": "a", "score": NaN})").code, "invalid_json");
  EXPECT_EQ(run(R"({"id": "n", "text": "a", "score": Infinity})").code, "invalid_json");
}

// ---- nesting ---------------------------------------------------------------------------------

TEST_F(HostileInput, DeeplyNestedArrays) {
  // 100,000 levels: refused by the depth limit, without recursion in our code.
  const std::string deep = R"({"id": "d", "text": "a", "x": )" + std::string(100000, '[') +
                           std::string(100000, ']') + "}";
  EXPECT_EQ(run(deep).code, "too_deep");
}

TEST_F(HostileInput, DeeplyNestedObjects) {
  std::string deep = R"({"id": "d", "text": "a", "x": )";
  for (int i = 0; i < 50000; ++i) deep += R"({"k":)";
  deep += "1";
  deep += std::string(50000, '}');
  deep += "}";
  EXPECT_EQ(run(deep).code, "too_deep");
}

TEST_F(HostileInput, NestingJustUnderTheLimitIsProcessed) {
  // The article object is level 1; the limit counts it.
  const size_t inner = config_->limits.max_depth - 2;
  const std::string ok = R"({"id": "d", "text": ")" + std::string(kSignal) + R"(", "x": )" +
                         std::string(inner, '[') + std::string(inner, ']') + "}";
  const Outcome o = run(ok);
  ASSERT_EQ(o.code, "ok");
  EXPECT_TRUE(o.has("military_deployment"));
}

// ---- types and keys --------------------------------------------------------------------------

TEST_F(HostileInput, TopLevelArray) { EXPECT_EQ(run(R"([{"id": "a", "text": "b"}])").code, "not_an_object"); }

TEST_F(HostileInput, TopLevelScalars) {
  EXPECT_EQ(run(R"("just a string")").code, "not_an_object");
  EXPECT_EQ(run("42").code, "not_an_object");
  EXPECT_EQ(run("null").code, "not_an_object");
}

TEST_F(HostileInput, TextIsANumber) { EXPECT_EQ(run(R"({"id": "x", "text": 42})").code, "wrong_type"); }

TEST_F(HostileInput, TitleIsAnObject) {
  EXPECT_EQ(run(R"({"id": "x", "title": {"en": "War"}, "text": "a"})").code, "wrong_type");
}

TEST_F(HostileInput, TextIsAnArrayOfStrings) {
  EXPECT_EQ(run(R"({"id": "x", "text": ["Troops", "moved"]})").code, "wrong_type");
}

TEST_F(HostileInput, IdIsAFloatOrABoolean) {
  EXPECT_EQ(run(R"({"id": 1.5, "text": "a"})").code, "wrong_type");
  EXPECT_EQ(run(R"({"id": true, "text": "a"})").code, "wrong_type");
  EXPECT_EQ(run(R"({"id": 1e30, "text": "a"})").code, "wrong_type");
  // Integers are ids (producers' numeric keys), up to 2^64 - 1.
  const Outcome o = run(R"({"id": 18446744073709551615, "text": "a"})");
  ASSERT_EQ(o.code, "ok");
  EXPECT_EQ(o.article.id, "18446744073709551615");
}

TEST_F(HostileInput, TimestampIsANumber) {
  EXPECT_EQ(run(R"({"id": "x", "text": "a", "published_at": 1772439300})").code, "wrong_type");
}

TEST_F(HostileInput, DuplicateKeysFirstOccurrenceWins) {
  const Outcome o = run(R"({"id": "first", "id": "second", "text": ")" + std::string(kSignal) +
                        R"(", "text": "Nothing happened."})");
  ASSERT_EQ(o.code, "ok");
  EXPECT_EQ(o.article.id, "first");
  EXPECT_TRUE(o.has("military_deployment"));
  // A duplicate of a different type does not matter either: the first one is read.
  EXPECT_EQ(run(R"({"id": "d", "text": "a", "text": 42})").code, "ok");
}

TEST_F(HostileInput, HundredThousandKeys) {
  std::string many = R"({"id": "k", "text": ")" + std::string(kSignal) + "\"";
  for (int i = 0; i < 100000; ++i) many += ",\"k" + std::to_string(i) + "\":" + std::to_string(i);
  many += "}";
  const Outcome o = run(many);
  ASSERT_EQ(o.code, "ok");
  EXPECT_TRUE(o.has("military_deployment"));
}

TEST_F(HostileInput, NoContentFields) {
  EXPECT_EQ(run(R"({"id": "m", "url": "https://x.test"})").code, "missing_content");
  EXPECT_EQ(run(R"({"id": "m", "title": null, "text": null})").code, "missing_content");
  EXPECT_EQ(run("{}").code, "missing_content");
}

// ---- NUL bytes and control characters --------------------------------------------------------

TEST_F(HostileInput, RawNulByteInsideAString) {
  std::string m = article_json(kSignal);
  m.insert(m.find("destroyers"), 1, '\0');
  EXPECT_EQ(run(m).code, "invalid_json");
}

TEST_F(HostileInput, RawNulByteAfterTheObject) {
  EXPECT_EQ(run(article_json(kSignal) + std::string(1, '\0')).code, "invalid_json");
}

TEST_F(HostileInput, EscapedNulBytesAreCleanedAndMatchingWorks) {
  // \u0000 is valid JSON; the text pipeline turns NUL and C0 controls into spaces.
  std::string text(kSignal);
  text.insert(0, std::string("\0\0\x01", 3));
  text.replace(text.find(" three"), 1, std::string(1, '\0'));
  const Outcome o = run(article_json(text));
  ASSERT_EQ(o.code, "ok");
  EXPECT_EQ(o.doc.text.find('\0'), std::string::npos);
  EXPECT_EQ(o.doc.text.find('\x01'), std::string::npos);
  EXPECT_TRUE(o.has("military_deployment"));
}

TEST_F(HostileInput, IdWithControlCharacters) {
  const std::string id = std::string("evil\n\r\t\x1b[31m\x01\x7f") + "\"quoted\"";
  const Outcome o = run(article_json(kSignal, id));
  ASSERT_EQ(o.code, "ok");
  EXPECT_EQ(o.article.id, id);  // kept as given: it is the producer's key for the article
  ASSERT_FALSE(o.records.empty());
  for (const SignalRecord& r : o.records) {
    EXPECT_EQ(r.value.find('\n'), std::string::npos) << "a record must stay one line";
    EXPECT_EQ(nlohmann::json::parse(r.value).at("article_id"), id);
  }
}

TEST_F(HostileInput, IdWithRawControlBytesIsNotJson) {
  EXPECT_EQ(run(std::string("{\"id\": \"a\x01\x1b\", \"text\": \"b\"}")).code, "invalid_json");
}

// ---- UTF-8 -----------------------------------------------------------------------------------

TEST_F(HostileInput, InvalidUtf8Bytes) {
  EXPECT_EQ(run("{\"id\": \"u\", \"text\": \"troops \xff\xfe moved\"}").code, "invalid_utf8");
}

TEST_F(HostileInput, InvalidUtf8InAKeyOrAnIgnoredField) {
  // The whole message is validated, not only the fields read.
  EXPECT_EQ(run("{\"id\": \"u\", \"text\": \"a\", \"x\xc3\": 1}").code, "invalid_utf8");
  EXPECT_EQ(run("{\"id\": \"u\", \"text\": \"a\", \"extra\": \"\x80\"}").code, "invalid_utf8");
}

TEST_F(HostileInput, OverlongUtf8) {
  EXPECT_EQ(run("{\"id\": \"u\", \"text\": \"\xc0\xaf\"}").code, "invalid_utf8");          // '/' in 2 bytes
  EXPECT_EQ(run("{\"id\": \"u\", \"text\": \"\xe0\x80\xaf\"}").code, "invalid_utf8");      // in 3
  EXPECT_EQ(run("{\"id\": \"u\", \"text\": \"\xf0\x80\x80\xaf\"}").code, "invalid_utf8");  // in 4
}

TEST_F(HostileInput, EncodedSurrogatesAndBeyondU10FFFF) {
  EXPECT_EQ(run("{\"id\": \"u\", \"text\": \"\xed\xa0\x80\"}").code, "invalid_utf8");      // U+D800
  EXPECT_EQ(run("{\"id\": \"u\", \"text\": \"\xf4\x90\x80\x80\"}").code, "invalid_utf8");  // U+110000
  EXPECT_EQ(run("{\"id\": \"u\", \"text\": \"\xf8\x88\x80\x80\x80\"}").code, "invalid_utf8");
}

TEST_F(HostileInput, TruncatedUtf8SequenceAtTheEnd) {
  EXPECT_EQ(run("{\"id\": \"u\", \"text\": \"caf\xc3\"}").code, "invalid_utf8");
}

TEST_F(HostileInput, EscapedLoneSurrogate) {
  // \ud800 without its pair cannot become UTF-8: a JSON string error.
  EXPECT_EQ(run(R"({"id": "u", "text": "a\ud800b"})").code, "invalid_json");
}

TEST_F(HostileInput, Latin1Text) {
  // "Café déployé" in ISO-8859-1: not UTF-8, refused rather than guessed at.
  EXPECT_EQ(run("{\"id\": \"l\", \"lang\": \"fr\", \"text\": \"Caf\xe9 d\xe9ploy\xe9\"}").code, "invalid_utf8");
}

TEST_F(HostileInput, Windows1252SmartQuotes) {
  EXPECT_EQ(run("{\"id\": \"l\", \"text\": \"\x93Troops\x94 moved \x96 officials\"}").code, "invalid_utf8");
}

TEST_F(HostileInput, Utf8ByteOrderMarkBeforeTheObject) {
  // RFC 8259 §8.1 lets a parser ignore a BOM; producers on Windows write one.
  const Outcome o = run("\xef\xbb\xbf" + article_json(kSignal));
  ASSERT_EQ(o.code, "ok");
  EXPECT_TRUE(o.has("military_deployment"));
}

// ---- invisible characters: bidi controls, zero-width characters ------------------------------

// Puts `insert` inside every word of the signal sentence longer than three letters.
std::string inside_words(std::string_view sentence, std::string_view insert) {
  std::string out;
  size_t run_len = 0;
  for (char c : sentence) {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    run_len = letter ? run_len + 1 : 0;
    out += c;
    if (run_len == 2) out += insert;
  }
  return out;
}

TEST_F(HostileInput, RightToLeftOverrideAroundTheSentence) {
  const Outcome o = run(article_json("\xe2\x80\xae" + std::string(kSignal) + "\xe2\x80\xac"));
  ASSERT_EQ(o.code, "ok");
  EXPECT_TRUE(o.has("military_deployment"));
}

TEST_F(HostileInput, RightToLeftOverrideInsideWords) {
  const Outcome o = run(article_json(inside_words(kSignal, "\xe2\x80\xae")));  // U+202E
  ASSERT_EQ(o.code, "ok");
  EXPECT_TRUE(o.has("military_deployment"));
}

TEST_F(HostileInput, BidiIsolatesAndMarksInsideWords) {
  // U+2067 RLI, U+2069 PDI, U+200F RLM, U+061C ALM
  const Outcome o =
      run(article_json(inside_words(kSignal, "\xe2\x81\xa7\xe2\x81\xa9\xe2\x80\x8f\xd8\x9c")));
  ASSERT_EQ(o.code, "ok");
  EXPECT_TRUE(o.has("military_deployment"));
}

TEST_F(HostileInput, ZeroWidthSpaceInsideWords) {
  const Outcome o = run(article_json(inside_words(kSignal, "\xe2\x80\x8b")));  // U+200B
  ASSERT_EQ(o.code, "ok");
  EXPECT_TRUE(o.has("military_deployment"));
}

TEST_F(HostileInput, ZeroWidthJoinersInsideWords) {
  const Outcome o = run(article_json(inside_words(kSignal, "\xe2\x80\x8d\xe2\x80\x8c")));  // ZWJ ZWNJ
  ASSERT_EQ(o.code, "ok");
  EXPECT_TRUE(o.has("military_deployment"));
}

TEST_F(HostileInput, WordJoinerByteOrderMarkAndSoftHyphenInsideWords) {
  // U+2060 WORD JOINER, U+FEFF ZERO WIDTH NO-BREAK SPACE, U+00AD SOFT HYPHEN (&shy;)
  const Outcome o = run(article_json(inside_words(kSignal, "\xe2\x81\xa0\xef\xbb\xbf\xc2\xad")));
  ASSERT_EQ(o.code, "ok");
  EXPECT_TRUE(o.has("military_deployment"));
}

TEST_F(HostileInput, ZeroWidthCharactersInHtml) {
  const std::string html = "<p>" + inside_words(kSignal, "&#8203;&shy;&#x200d;") + "</p>";
  const Outcome o = run(nlohmann::json{{"id", "z"}, {"lang", "en"}, {"html", html}}.dump());
  ASSERT_EQ(o.code, "ok");
  EXPECT_TRUE(o.has("military_deployment"));
}

TEST_F(HostileInput, InvisibleCharactersAloneAreNotContent) {
  std::string text;
  for (int i = 0; i < 10000; ++i) text += "\xe2\x80\x8b\xe2\x80\xae\xe2\x80\x8d";
  const Outcome o = run(article_json(text));
  ASSERT_EQ(o.code, "ok");
  EXPECT_TRUE(o.detection.signals.empty());
}

// ---- timestamps ------------------------------------------------------------------------------

TEST_F(HostileInput, AbsurdTimestamps) {
  for (const char* ts : {"99999-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "1899-12-31T23:59:59Z",
                         "2201-01-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z",
                         "2026-03-01T25:00:00Z", "2026-03-01T00:00:00+99:00", "-2026-03-01T00:00:00Z",
                         "1772439300", "yesterday", "2026-03-01", "2026-03-01T00:00:00"}) {
    const std::string m = nlohmann::json{{"id", "ts"}, {"text", "a"}, {"published_at", ts}}.dump();
    EXPECT_EQ(run(m).code, "invalid_timestamp") << ts;
  }
}

TEST_F(HostileInput, ExtremeButValidTimestamps) {
  struct Case {
    const char* ts;
    int64_t ms;
  };
  for (const Case c : {Case{"1900-01-01T00:00:00Z", -2208988800000}, Case{"2200-12-31T23:59:59Z", 7289654399000},
                       Case{"2026-03-01T00:00:00.99999999999999999999999999999Z", 1772323200999},
                       Case{"2026-03-01T00:00:00+23:59", 1772236860000}}) {
    const std::string m = nlohmann::json{{"id", "ts"}, {"text", kSignal}, {"published_at", c.ts}}.dump();
    const Outcome o = run(m);
    ASSERT_EQ(o.code, "ok") << c.ts;
    EXPECT_EQ(o.article.published_ms, c.ms) << c.ts;
    EXPECT_TRUE(o.has("military_deployment"));
  }
}

// ---- size ------------------------------------------------------------------------------------

std::string big_article(size_t bytes, std::string_view filler) {
  std::string text;
  text.reserve(bytes);
  text += kSignal;
  text += ' ';
  while (text.size() + filler.size() < bytes) text += filler;
  return nlohmann::json{{"id", "big"}, {"lang", "en"}, {"text", text}}.dump();
}

TEST_F(HostileInput, TenMegabyteMessage) {
  const std::string m = big_article(10'000'000, "Quiet markets opened. ");
  ASSERT_GT(m.size(), config_->limits.max_bytes);
  EXPECT_EQ(run(m).code, "too_large");
}

TEST_F(HostileInput, HundredMegabyteMessage) {
  std::string m = "{\"id\": \"huge\", \"text\": \"";
  m.resize(100'000'000, 'a');
  m += "\"}";
  EXPECT_EQ(run(m).code, "too_large");
}

TEST_F(HostileInput, MessageAtTheSizeLimitIsProcessed) {
  std::string m = big_article(config_->limits.max_bytes - 64, "Quiet markets opened. ");
  ASSERT_LE(m.size(), config_->limits.max_bytes);
  const Outcome o = run(m);
  ASSERT_EQ(o.code, "ok");
  EXPECT_TRUE(o.has("military_deployment"));
  EXPECT_EQ(run(m + std::string(config_->limits.max_bytes - m.size() + 1, ' ')).code, "too_large");
}

TEST_F(HostileInput, SingleFiveMegabyteLine) {
  // Under the shipped limit (4 MiB) it is too large; with the limit raised it is one 5 MB
  // sentence, scanned in full, the signal near its start found.
  const std::string m = big_article(5'000'000, "escalation near the border without any stop ");
  EXPECT_EQ(run(m).code, "too_large");
  DecodeLimits raised = config_->limits;
  raised.max_bytes = 8u << 20;
  const Outcome o = run(m, raised);
  ASSERT_EQ(o.code, "ok");
  EXPECT_EQ(o.doc.text.find('\n', o.doc.body_offset), std::string::npos);
  EXPECT_TRUE(o.has("military_deployment"));
}

TEST_F(HostileInput, HundredThousandOneWordSentences) {
  std::string text(kSignal);
  text += '\n';
  for (int i = 0; i < 100000; ++i) text += "Troops. ";
  const Outcome o = run(article_json(text));
  ASSERT_EQ(o.code, "ok");
  EXPECT_GE(o.doc.sentences.size(), 100000u);
  EXPECT_TRUE(o.has("military_deployment"));
  // Bounded output: one signal per type, each with at most max_evidence sentences.
  EXPECT_LE(o.detection.signals.size(), engine_->types().size());
  for (const detect::Signal& s : o.detection.signals) {
    EXPECT_LE(s.evidence.size(), config_->detect.max_evidence) << s.type;
  }
}

TEST_F(HostileInput, TermHitFloodIsCutAtMaxHits) {
  // Every word a rule term: the hit budget (detect.max_hits) stops matching instead of
  // growing without bound; what was matched before the cut still counts.
  std::string text(kSignal);
  text += ' ';
  while (text.size() < 3'000'000) text += "troops warships missiles destroyers ";
  const Outcome o = run(article_json(text));
  ASSERT_EQ(o.code, "ok");
  EXPECT_TRUE(o.detection.truncated);
  EXPECT_LE(o.detection.signals.size(), engine_->types().size());
}

// ---- HTML ------------------------------------------------------------------------------------

std::string html_article(const std::string& html) {
  return nlohmann::json{{"id", "h"}, {"lang", "en"}, {"title", "Report"}, {"html", html}}.dump();
}

TEST_F(HostileInput, HtmlBombDeepNesting) {
  std::string html;
  for (int i = 0; i < 100000; ++i) html += "<div><span>";
  html += kSignal;
  for (int i = 0; i < 100000; ++i) html += "</span></div>";
  const Outcome o = run(html_article(html));
  ASSERT_EQ(o.code, "ok");
  EXPECT_TRUE(o.has("military_deployment"));
  EXPECT_LT(o.doc.text.size(), 1000u);  // tags leave no text behind
}

TEST_F(HostileInput, HtmlBombUnclosedTags) {
  std::string html = "<p>" + std::string(kSignal) + "</p>";
  for (int i = 0; i < 100000; ++i) html += "<b><i><a href=\"x\">";
  const Outcome o = run(html_article(html));
  ASSERT_EQ(o.code, "ok");
  EXPECT_TRUE(o.has("military_deployment"));
}

TEST_F(HostileInput, UnclosedTagSwallowsTheRest) {
  // An unclosed "<" reads as a tag to the end: the text before it survives.
  const Outcome o = run(html_article("<p>" + std::string(kSignal) + "</p><div class=\"x" + std::string(100000, 'y')));
  ASSERT_EQ(o.code, "ok");
  EXPECT_TRUE(o.has("military_deployment"));
}

TEST_F(HostileInput, UnclosedScriptDropsItsContent) {
  // Script content is never text, closed or not: a signal inside it is not read.
  const Outcome o = run(html_article("<p>Markets were calm.</p><script>" + std::string(kSignal)));
  ASSERT_EQ(o.code, "ok");
  EXPECT_FALSE(o.has("military_deployment"));
  EXPECT_EQ(o.doc.text.find("destroyers"), std::string::npos);
}

TEST_F(HostileInput, EntityBomb) {
  std::string html = "<p>" + std::string(kSignal) + "</p><p>";
  for (int i = 0; i < 50000; ++i) html += "&amp;amp;&#x202E;&#0;&#xFFFFFFFF;&#99999999999;&bogus;";
  html += "</p>";
  const Outcome o = run(html_article(html));
  ASSERT_EQ(o.code, "ok");
  EXPECT_TRUE(o.has("military_deployment"));
  EXPECT_TRUE(text::is_valid_utf8(o.doc.text));
  EXPECT_EQ(o.doc.text.find('\0'), std::string::npos);
}

// ---- binary garbage --------------------------------------------------------------------------

TEST_F(HostileInput, BinaryGarbage) {
  std::mt19937 rng(20260301);
  for (int round = 0; round < 200; ++round) {
    std::string junk(1 + rng() % 4096, '\0');
    for (char& c : junk) c = static_cast<char>(rng() & 0xFF);
    const std::string code = run(junk).code;
    EXPECT_NE(code, "ok") << "round " << round;
    // Garbage that starts with '{' reaches the JSON parser.
    junk[0] = '{';
    const std::string braced = run(junk).code;
    EXPECT_TRUE(braced == "invalid_json" || braced == "invalid_utf8") << braced;
    // With no ASCII after the brace, no JSON error can come first.
    for (char& c : junk) c = static_cast<char>(0x80 | (rng() & 0x7F));
    junk[0] = '{';
    EXPECT_EQ(run(junk).code, "invalid_utf8");
  }
}

TEST_F(HostileInput, GzipAndProtobufLookalikes) {
  EXPECT_EQ(run(std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10)).code, "not_an_object");
  EXPECT_EQ(run(std::string("\x0a\x05hello\x12\x03" "abc", 12)).code, "not_an_object");
}

// ---- language tags ---------------------------------------------------------------------------

TEST_F(HostileInput, BogusLanguageTag) {
  for (const std::string& lang : {std::string("xx-evil"), std::string("../../etc/passwd"), std::string("en\0", 3),
                                 std::string("EN-us-x-very-long-private-use-tag")}) {
    const std::string m = nlohmann::json{{"id", "l"}, {"lang", lang}, {"text", kSignal}}.dump();
    const Outcome o = run(m);
    ASSERT_EQ(o.code, "ok") << lang;
    EXPECT_TRUE(o.has("military_deployment")) << lang;
  }
}

}  // namespace
}  // namespace brinkwatch
