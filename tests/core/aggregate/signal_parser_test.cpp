// SignalParser: brinkwatch.signal/1 records as the detect stage writes them, and every way a
// record can be unusable (each with its stable error code: a metric label and dead-letter header).
// Also source_domain, which decides what counts as an independent publisher.
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/aggregate/aggregator.h"
#include "core/article.h"
#include "core/pipeline.h"
#include "signals.h"

namespace brinkwatch::aggregate {
namespace {

using nlohmann::json;

Article article() {
  Article a;
  a.id = "wire-2025-0304-117";
  a.url = "https://www.Wire.test/world/frigates-strait";
  a.source = "Wire";
  a.title = "Frigates sail for the Corvina Strait";
  a.text = "Freedonia sent three frigates toward the Corvina Strait on Tuesday.";
  a.published_at = "2025-03-04T09:30:00Z";
  a.published_ms = parse_rfc3339(a.published_at);
  return a;
}

detect::Detection detection() {
  detect::Signal s;
  s.type = "military_deployment";
  s.score = 0.8123;
  s.countries = {"FD"};
  s.regions = {"country:fd", "theatre:corvina_strait"};
  detect::Evidence title;
  title.sentence = "Frigates sail for the Corvina Strait";
  title.field = "title";
  title.score = 0.7;
  detect::Evidence body;
  body.sentence = "Freedonia sent three frigates toward the Corvina Strait on Tuesday.";
  body.field = "text";
  body.score = 0.8;
  s.evidence = {title, body};
  detect::Detection d;
  d.signals.push_back(s);
  d.lang = "en";
  return d;
}

constexpr int64_t kDetected = 1741080660123LL;  // 2025-03-04T09:31:00.123Z

std::vector<SignalRecord> records() {
  return to_signal_records(article(), detection(), "rules-v7", kDetected, sim::minhash_of(article().text));
}

// A valid record as JSON, to break one field at a time.
json valid() { return json::parse(records().at(0).value); }

std::string code_of(const json& j, std::string_view key = {}) {
  SignalParser parser;
  auto r = parser.parse(j.dump(), key);
  return r ? std::string("ok") : r.error().code;
}

TEST(SignalParser, ParsesRecordsOfTheDetectStage) {
  const auto recs = records();
  ASSERT_EQ(recs.size(), 2u);
  SignalParser parser;
  for (const auto& rec : recs) {
    auto r = parser.parse(rec.value, rec.key);
    ASSERT_TRUE(r) << r.error().code << ": " << r.error().message;
    EXPECT_EQ(r->region, rec.key);
    EXPECT_EQ(r->article_id, "wire-2025-0304-117");
    EXPECT_EQ(r->type, "military_deployment");
    EXPECT_DOUBLE_EQ(r->score, 0.812);
    EXPECT_EQ(r->source, "Wire");
    EXPECT_EQ(r->url, "https://www.Wire.test/world/frigates-strait");
    EXPECT_EQ(r->title, "Frigates sail for the Corvina Strait");
    EXPECT_EQ(r->ruleset, "rules-v7");
    EXPECT_EQ(r->published_ms, *parse_rfc3339("2025-03-04T09:30:00Z"));
    EXPECT_EQ(r->detected_ms, kDetected);
    ASSERT_TRUE(r->minhash.has_value());
    EXPECT_EQ(*r->minhash, sim::minhash_of(article().text));
    // The body's sentence is preferred to the headline's.
    EXPECT_EQ(r->sentence, "Freedonia sent three frigates toward the Corvina Strait on Tuesday.");
  }
  EXPECT_EQ(parser.parse(recs[0].value)->region, "country:fd");
  EXPECT_EQ(parser.parse(recs[1].value)->region, "theatre:corvina_strait");
}

TEST(SignalParser, ParsesAHandWrittenMinimalRecord) {
  SignalParser parser;
  auto r = parser.parse(
      R"({"schema":"brinkwatch.signal/1","article_id":"a1","type":"use_of_force","score":1,)"
      R"("detected_at":"2025-03-04T10:00:00Z"})",
      "country:sy");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->region, "country:sy");  // from the key
  EXPECT_DOUBLE_EQ(r->score, 1.0);
  EXPECT_EQ(r->published_ms, -1);
  EXPECT_EQ(r->detected_ms, *parse_rfc3339("2025-03-04T10:00:00Z"));
  EXPECT_FALSE(r->minhash.has_value());
  EXPECT_TRUE(r->sentence.empty());
}

TEST(SignalParser, TheRecordsRegionWinsOverTheKey) {
  EXPECT_EQ(code_of(valid(), "country:zz"), "ok");
  SignalParser parser;
  EXPECT_EQ(parser.parse(valid().dump(), "country:zz")->region, "country:fd");
}

TEST(SignalParser, ReusesItsBuffersAcrossRecordsOfDifferentSizes) {
  SignalParser parser;
  json big = valid();
  big["title"] = std::string(5000, 'x');
  ASSERT_TRUE(parser.parse(big.dump()));
  auto small = parser.parse(valid().dump());
  ASSERT_TRUE(small);
  EXPECT_EQ(small->title, "Frigates sail for the Corvina Strait");
}

TEST(SignalParser, InvalidJson) {
  SignalParser parser;
  EXPECT_EQ(parser.parse("").error().code, "empty");
  EXPECT_EQ(parser.parse("{\"schema\": ").error().code, "invalid_json");
  EXPECT_EQ(parser.parse("not json at all").error().code, "invalid_json");
  const std::string truncated = records().at(0).value;
  EXPECT_EQ(parser.parse(std::string_view(truncated).substr(0, truncated.size() / 2)).error().code, "invalid_json");
  EXPECT_EQ(parser.parse("[1, 2, 3]").error().code, "not_an_object");
  EXPECT_EQ(parser.parse("\"brinkwatch.signal/1\"").error().code, "not_an_object");
  EXPECT_EQ(parser.parse(std::string(5u << 20, ' ')).error().code, "too_large");
  // The parser is still usable after errors.
  EXPECT_TRUE(parser.parse(records().at(0).value));
}

TEST(SignalParser, WrongSchema) {
  json j = valid();
  j["schema"] = "brinkwatch.alert/1";
  EXPECT_EQ(code_of(j), "wrong_schema");
  j["schema"] = "brinkwatch.signal/2";
  EXPECT_EQ(code_of(j), "wrong_schema");
  j.erase("schema");
  EXPECT_EQ(code_of(j), "missing_field");
  j["schema"] = 1;
  EXPECT_EQ(code_of(j), "wrong_type");
}

TEST(SignalParser, MissingFields) {
  for (const char* field : {"schema", "article_id", "type", "detected_at"}) {
    json j = valid();
    j.erase(field);
    EXPECT_EQ(code_of(j, "country:fd"), "missing_field") << field;
  }
  for (const char* field : {"article_id", "type"}) {
    json j = valid();
    j[field] = "";
    EXPECT_EQ(code_of(j), "missing_field") << field;
  }
  json j = valid();
  j.erase("region");
  EXPECT_EQ(code_of(j), "missing_field");     // no region, no key
  EXPECT_EQ(code_of(j, "country:fd"), "ok");  // the key stands in
  // Optional fields may be absent.
  json minimal = valid();
  for (const char* field : {"url", "source", "title", "ruleset", "published_at", "minhash", "evidence"}) minimal.erase(field);
  EXPECT_EQ(code_of(minimal), "ok");
}

TEST(SignalParser, WrongTypes) {
  for (const char* field : {"article_id", "type", "region", "source", "url", "title", "ruleset", "detected_at",
                            "published_at", "minhash"}) {
    json j = valid();
    j[field] = 42;
    EXPECT_EQ(code_of(j), "wrong_type") << field;
    j[field] = json::array();
    EXPECT_EQ(code_of(j), "wrong_type") << field;
  }
  json j = valid();
  j["score"] = "0.9";
  EXPECT_EQ(code_of(j), "wrong_type");
  j.erase("score");
  EXPECT_EQ(code_of(j), "wrong_type");
}

TEST(SignalParser, ScoreOutOfRange) {
  json j = valid();
  for (double bad : {-0.001, 1.001, 7.0, -1.0}) {
    j["score"] = bad;
    EXPECT_EQ(code_of(j), "wrong_type") << bad;
  }
  for (double ok : {0.0, 0.5, 1.0}) {
    j["score"] = ok;
    EXPECT_EQ(code_of(j), "ok") << ok;
  }
  j["score"] = 0;  // an integer is a number too
  EXPECT_EQ(code_of(j), "ok");
}

TEST(SignalParser, BadMinHashHex) {
  json j = valid();
  const std::string hex = j["minhash"];
  j["minhash"] = hex.substr(2);
  EXPECT_EQ(code_of(j), "wrong_type");
  std::string upper = hex;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper != hex) {
    j["minhash"] = upper;
    EXPECT_EQ(code_of(j), "wrong_type");
  }
  j["minhash"] = std::string(256, 'z');
  EXPECT_EQ(code_of(j), "wrong_type");
  j["minhash"] = "";  // empty: no signature, like an absent one
  EXPECT_EQ(code_of(j), "ok");
}

TEST(SignalParser, Timestamps) {
  json j = valid();
  j["detected_at"] = "yesterday";
  EXPECT_EQ(code_of(j), "invalid_timestamp");
  // An unreadable published_at is not fatal: arrival time stands in.
  j = valid();
  j["published_at"] = "last Tuesday";
  SignalParser parser;
  auto r = parser.parse(j.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->published_ms, -1);
  EXPECT_EQ(r->detected_ms, kDetected);
  // Offsets are honoured.
  j["published_at"] = "2025-03-04T11:30:00+02:00";
  r = parser.parse(j.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->published_ms, *parse_rfc3339("2025-03-04T09:30:00Z"));
}

TEST(SignalParser, EvidenceFallsBackToTheTitleSentence) {
  json j = valid();
  j["evidence"] = json::array({{{"sentence", "Frigates sail for the Corvina Strait"}, {"field", "title"}}});
  SignalParser parser;
  auto r = parser.parse(j.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->sentence, "Frigates sail for the Corvina Strait");
}

TEST(SourceDomain, HostOfTheUrl) {
  EXPECT_EQ(source_domain("https://www.Example.test/a", "Example News"), "example.test");
  EXPECT_EQ(source_domain("https://www.Example.test/a", ""), "example.test");
  EXPECT_EQ(source_domain("http://news.example.test:8080/a?b#c", ""), "news.example.test");
  EXPECT_EQ(source_domain("https://user:pw@example.test/a", ""), "example.test");
  EXPECT_EQ(source_domain("https://example.test?x=1", ""), "example.test");
  // Two pages of one publisher are one source.
  EXPECT_EQ(source_domain("https://www.wire.test/world/1", "Wire"), source_domain("https://wire.test/europe/2", "WIRE"));
}

// Header: "the URL's host without "www." (lower case)". Host names are case-insensitive, so
// https://WWW.Example.test and https://www.example.test are one publisher, one source.
TEST(SourceDomain, WwwIsDroppedWhateverItsCase) {
  EXPECT_EQ(source_domain("https://WWW.Example.test/a", ""), "example.test");
  EXPECT_EQ(source_domain("https://Www.example.test/a", ""), source_domain("https://www.example.test/b", ""));
}

TEST(SourceDomain, SourceNameWithoutUrl) {
  EXPECT_EQ(source_domain("", "Freedonia Herald"), "freedonia herald");
  EXPECT_EQ(source_domain("not a url", "Wire"), "wire");
  EXPECT_EQ(source_domain("https:///path-only", "Wire"), "wire");
}

TEST(SourceDomain, NeitherIsUnknown) {
  EXPECT_EQ(source_domain("", ""), "unknown");
  EXPECT_EQ(source_domain("no scheme here", ""), "unknown");
}

}  // namespace
}  // namespace brinkwatch::aggregate
