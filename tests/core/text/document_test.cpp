#include <gtest/gtest.h>

#include <string>

#include "core/text/text.h"

namespace brinkwatch::text {
namespace {

std::string at(const Document& d, Span s) { return d.text.substr(s.begin, s.end - s.begin); }

TEST(MakeDocument, LayoutWithTitle) {
  const Document d = make_document("Border Clash", "Troops fired. Was it a test?");
  EXPECT_EQ(d.text, "Border Clash\n\nTroops fired. Was it a test?");
  EXPECT_EQ(d.title_size, 12u);
  EXPECT_EQ(d.body_offset, 14u);
  EXPECT_EQ(d.folded, "border clash\n\ntroops fired. was it a test?");
  ASSERT_EQ(d.sentences.size(), 3u);
  EXPECT_EQ(at(d, d.sentences[0].span), "Border Clash");
  EXPECT_TRUE(d.sentences[0].in_title);
  EXPECT_EQ(at(d, d.sentences[1].span), "Troops fired.");
  EXPECT_FALSE(d.sentences[1].in_title);
  EXPECT_FALSE(d.sentences[1].question);
  EXPECT_EQ(at(d, d.sentences[2].span), "Was it a test?");
  EXPECT_TRUE(d.sentences[2].question);
  EXPECT_TRUE(d.chrome.empty());
}

TEST(MakeDocument, LayoutWithoutTitle) {
  const Document d = make_document("", "Body only.");
  EXPECT_EQ(d.text, "Body only.");
  EXPECT_EQ(d.title_size, 0u);
  EXPECT_EQ(d.body_offset, 0u);
  ASSERT_EQ(d.sentences.size(), 1u);
  EXPECT_FALSE(d.sentences[0].in_title);
}

TEST(MakeDocument, TitleWithSeveralSentences) {
  const Document d = make_document("Talks fail. War next?", "Body.");
  ASSERT_EQ(d.sentences.size(), 3u);
  EXPECT_TRUE(d.sentences[0].in_title);
  EXPECT_TRUE(d.sentences[1].in_title);
  EXPECT_TRUE(d.sentences[1].question);
  EXPECT_FALSE(d.sentences[2].in_title);
}

TEST(MakeDocument, ChromeIsMaskedAndShifted) {
  const std::string body = "Shelling resumed.\nSubscribe to our newsletter\nTwo were hurt.";
  const Document d = make_document("Title", body);
  ASSERT_EQ(d.chrome.size(), 1u);
  EXPECT_EQ(at(d, d.chrome[0]), "Subscribe to our newsletter");
  EXPECT_EQ(d.chrome[0].begin, d.body_offset + 18u);
  ASSERT_EQ(d.sentences.size(), 3u);
  EXPECT_EQ(at(d, d.sentences[1].span), "Shelling resumed.");
  EXPECT_EQ(at(d, d.sentences[2].span), "Two were hurt.");
  for (const Sentence& s : d.sentences) {
    for (const Span c : d.chrome) {
      EXPECT_TRUE(s.span.end <= c.begin || s.span.begin >= c.end);
    }
  }
}

TEST(MakeDocument, QuestionMarksAcrossScripts) {
  const Document d = make_document("", "He asked \"why?\"\n这是战争吗？\nهل بدأت الحرب؟\nNo.");
  ASSERT_EQ(d.sentences.size(), 4u);
  EXPECT_TRUE(d.sentences[0].question);
  EXPECT_TRUE(d.sentences[1].question);
  EXPECT_TRUE(d.sentences[2].question);
  EXPECT_FALSE(d.sentences[3].question);
}

TEST(MakeDocument, FoldedSharesOffsets) {
  const Document d = make_document("KYIV Ὀδυσσεύς", "İstanbul ЗСУ 北京.");
  ASSERT_EQ(d.folded.size(), d.text.size());
  const size_t k = d.text.find("ЗСУ");
  EXPECT_EQ(d.folded.substr(k, 6), "зсу");
}

TEST(MakeDocument, RepairsBrokenInput) {
  const Document d = make_document(std::string("Ti\xFFtle"), std::string("a\0b.", 4));
  EXPECT_TRUE(is_valid_utf8(d.text));
  EXPECT_EQ(d.text, "Ti\uFFFDtle\n\na b.");
}

// The input check skips 8-byte blocks of printable ASCII: a byte that needs repair must be
// found at every position of a block, and a harmless \t \n \r or non-ASCII letter must not
// trigger a repair.
TEST(MakeDocument, RepairsAnyByteAtAnyPosition) {
  for (int c = 0; c < 256; ++c) {
    for (size_t pos = 0; pos < 20; ++pos) {
      std::string body(20, 'a');
      body[pos] = static_cast<char>(c);
      const Document d = make_document("", body);
      EXPECT_EQ(d.text, repair_utf8(body)) << "byte " << c << " at " << pos;
    }
  }
  const std::string fine = "tab\there\nand\r\xC3\xA9t\xC3\xA9 over several blocks";
  EXPECT_EQ(make_document("", fine).text, fine);
}

}  // namespace
}  // namespace brinkwatch::text
