// Hostile and pathological inputs: every entry point must finish (linear time), never crash,
// and keep its invariants. Sizes are large enough that a quadratic path would hang the test.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

#include "core/text/text.h"

namespace brinkwatch::text {
namespace {

void check_document(const Document& d) {
  ASSERT_EQ(d.folded.size(), d.text.size());
  ASSERT_TRUE(is_valid_utf8(d.text));
  uint32_t prev_end = 0;
  for (const Span c : d.chrome) {
    ASSERT_LE(prev_end, c.begin);
    ASSERT_LE(c.begin, c.end);
    ASSERT_LE(c.end, d.text.size());
    prev_end = c.end;
  }
  prev_end = 0;
  for (const Sentence& s : d.sentences) {
    ASSERT_LE(prev_end, s.span.begin);
    ASSERT_LT(s.span.begin, s.span.end);
    ASSERT_LE(s.span.end, d.text.size());
    prev_end = s.span.end;
  }
}

void run_all(const std::string& input) {
  const std::string repaired = repair_utf8(input);
  ASSERT_TRUE(is_valid_utf8(repaired));
  ASSERT_EQ(fold_case(input).size(), input.size());
  const std::string text = html_to_text(input);
  ASSERT_TRUE(is_valid_utf8(text));
  check_document(make_document(input.substr(0, 64), text));
  check_document(make_document("", input));
}

TEST(Robustness, RandomBytes) {
  std::mt19937 rng(12345);
  const std::string alphabet = "<>/&#;=\"' \n\r\t.!?abcXYZ019\xC3\xA9\xE2\x80\x99\xFF\x80";
  for (int round = 0; round < 300; ++round) {
    std::string s;
    const size_t n = rng() % 2000;
    for (size_t i = 0; i < n; ++i) {
      s.push_back(rng() % 2 == 0 ? static_cast<char>(rng() & 0xFF)
                                 : alphabet[rng() % alphabet.size()]);
    }
    run_all(s);
  }
}

TEST(Robustness, HugeSingleLine) {
  std::string s;
  s.reserve(5u << 20);
  while (s.size() < (5u << 20)) s += "escalation near the border without any stop ";
  run_all(s);
  const Document d = make_document("", s);
  EXPECT_EQ(d.sentences.size(), 1u);
}

TEST(Robustness, DeeplyNestedAndUnclosedTags) {
  std::string nested;
  for (int i = 0; i < 200000; ++i) nested += "<div class=\"x\"><span>";
  nested += "core text";
  EXPECT_EQ(html_to_text(nested), "core text");

  std::string navs;
  for (int i = 0; i < 100000; ++i) navs += "<nav>";
  navs += "hidden";
  for (int i = 0; i < 100000; ++i) navs += "</nav>";
  navs += "visible";
  EXPECT_EQ(html_to_text(navs), "visible");

  std::string closes;
  for (int i = 0; i < 300000; ++i) closes += "</p></div></a>";
  closes += "end";
  EXPECT_EQ(html_to_text(closes), "end");
}

TEST(Robustness, HtmlBombs) {
  std::string lt(1u << 20, '<');
  run_all(lt);
  std::string amp;
  for (int i = 0; i < 200000; ++i) amp += "&amp;&#x41;&bogus";
  EXPECT_EQ(html_to_text(amp).size(), 200000u * 8u);
  std::string attrs = "<p";
  for (int i = 0; i < 200000; ++i) attrs += " a=b";
  attrs += ">x";
  EXPECT_EQ(html_to_text(attrs), "x");
  std::string scripts;
  for (int i = 0; i < 100000; ++i) scripts += "<script>";
  run_all(scripts);
  std::string comments;
  for (int i = 0; i < 100000; ++i) comments += "<!-";
  run_all(comments);
}

TEST(Robustness, ManyChromeAndSentenceLines) {
  std::string s;
  for (int i = 0; i < 50000; ++i) s += "Share this\nAa. Bb. Cc! Dd?\n";
  const Document d = make_document("T", s);
  check_document(d);
  EXPECT_EQ(d.chrome.size(), 50000u);
  EXPECT_EQ(d.sentences.size(), 1u + 4u * 50000u);
}

TEST(Robustness, PeriodsAndAbbreviationRuns) {
  run_all(std::string(1u << 20, '.'));
  std::string s;
  for (int i = 0; i < 100000; ++i) s += "U.S. Mr. J. ";
  run_all(s);
  std::string dots;
  for (int i = 0; i < 200000; ++i) dots += "a.";
  run_all(dots);
}

}  // namespace
}  // namespace brinkwatch::text
