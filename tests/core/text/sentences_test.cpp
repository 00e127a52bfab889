#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/text/text.h"

namespace brinkwatch::text {
namespace {

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> out;
  for (const Span s : split_sentences(text, 0, static_cast<uint32_t>(text.size()))) {
    out.emplace_back(text.substr(s.begin, s.end - s.begin));
  }
  return out;
}

using V = std::vector<std::string>;

TEST(SplitSentences, BasicTerminators) {
  EXPECT_EQ(split("Troops crossed. Shelling began! Was it planned? Nobody knows."),
            (V{"Troops crossed.", "Shelling began!", "Was it planned?", "Nobody knows."}));
}

TEST(SplitSentences, OffsetsAreIntoTheText) {
  const std::string text = "  One.  Two?\n";
  const std::vector<Span> spans = split_sentences(text, 0, static_cast<uint32_t>(text.size()));
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].begin, 2u);
  EXPECT_EQ(spans[0].end, 6u);
  EXPECT_EQ(spans[1].begin, 8u);
  EXPECT_EQ(spans[1].end, 12u);
}

TEST(SplitSentences, SubRange) {
  const std::string text = "Ignored. Alpha one. Beta two. Ignored.";
  const std::vector<Span> spans = split_sentences(text, 9, 29);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(text.substr(spans[0].begin, spans[0].end - spans[0].begin), "Alpha one.");
  EXPECT_EQ(text.substr(spans[1].begin, spans[1].end - spans[1].begin), "Beta two.");
  EXPECT_TRUE(split_sentences(text, 20, 10).empty());
  EXPECT_EQ(split_sentences(text, 0, 1000).size(), 4u);  // end clamped to the text
}

TEST(SplitSentences, Abbreviations) {
  EXPECT_EQ(
      split("Mr. Smith met Gen. Mark Ruiz and Lt. Col. Ana Lee in St. Petersburg. They talked."),
      (V{"Mr. Smith met Gen. Mark Ruiz and Lt. Col. Ana Lee in St. Petersburg.", "They talked."}));
  EXPECT_EQ(split("The U.S. Navy and the U.N. Security Council met on Jan. 5. It ended."),
            (V{"The U.S. Navy and the U.N. Security Council met on Jan. 5.", "It ended."}));
  EXPECT_EQ(split("Sanctions by the E.U. and U.K. Ministers were flown in."),
            (V{"Sanctions by the E.U. and U.K. Ministers were flown in."}));
  EXPECT_EQ(split("It hit at 5 p.m. Local time was noted. Tanks, jets, etc. Were seen."),
            (V{"It hit at 5 p.m. Local time was noted.", "Tanks, jets, etc. Were seen."}));
}

TEST(SplitSentences, InitialsAndNumberAbbreviation) {
  EXPECT_EQ(
      split("J. Smith wrote it. Resolution No. 2231 lapsed. He said no. Then he left."),
      (V{"J. Smith wrote it.", "Resolution No. 2231 lapsed.", "He said no.", "Then he left."}));
}

TEST(SplitSentences, DecimalsAndLowercaseContinuation) {
  EXPECT_EQ(split("Output fell 3.5 percent. Prices rose 1.2% in May. ok."),
            (V{"Output fell 3.5 percent.", "Prices rose 1.2% in May. ok."}));
  EXPECT_EQ(split("Version 2.0.1 shipped. It ran."), (V{"Version 2.0.1 shipped.", "It ran."}));
}

TEST(SplitSentences, Ellipses) {
  EXPECT_EQ(split("He paused... Then he spoke. It was... well, odd."),
            (V{"He paused...", "Then he spoke.", "It was... well, odd."}));
  EXPECT_EQ(split("Wait\u2026 Then go."), (V{"Wait\u2026", "Then go."}));
}

TEST(SplitSentences, ClosingQuotesStayWithTheSentence) {
  EXPECT_EQ(split("He said \"no.\" Then the talks ended."),
            (V{"He said \"no.\"", "Then the talks ended."}));
  EXPECT_EQ(split("(It was over.) The army left."), (V{"(It was over.)", "The army left."}));
  EXPECT_EQ(split("She asked \u201Cwhy?\u201D The minister declined."),
            (V{"She asked \u201Cwhy?\u201D", "The minister declined."}));
  EXPECT_EQ(split("They fled. \"We had no choice,\" one said."),
            (V{"They fled.", "\"We had no choice,\" one said."}));
}

TEST(SplitSentences, LineBreaksAlwaysSplit) {
  EXPECT_EQ(split("Headline without stop\nBody starts here\r\n\r\n\nLast line"),
            (V{"Headline without stop", "Body starts here", "Last line"}));
  EXPECT_EQ(split("\n\n  \n\t\n"), V{});
  EXPECT_EQ(split(""), V{});
}

TEST(SplitSentences, CjkAndArabic) {
  EXPECT_EQ(split("导弹发射了。军队进入边境！这是战争吗？"),
            (V{"导弹发射了。", "军队进入边境！", "这是战争吗？"}));
  EXPECT_EQ(split("「撤退した。」次の文。"), (V{"「撤退した。」", "次の文。"}));
  EXPECT_EQ(split("هل بدأت الحرب؟ قال المتحدث لا."), (V{"هل بدأت الحرب؟", "قال المتحدث لا."}));
}

TEST(SplitSentences, NonAsciiLowercaseDoesNotStartASentence) {
  EXPECT_EQ(split("Es war 3 Uhr. über Nacht. Ужас. Москва ответила."),
            (V{"Es war 3 Uhr. über Nacht.", "Ужас.", "Москва ответила."}));
}

TEST(SplitSentences, ManyShortSentences) {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "Word. ";
  EXPECT_EQ(split_sentences(text, 0, static_cast<uint32_t>(text.size())).size(), 100000u);
}

// Runs of plain ASCII are skipped 8 bytes at a time: the split must not depend on where the
// terminators, line breaks and non-ASCII characters fall within those blocks.
TEST(SplitSentences, SameSplitAtEveryAlignment) {
  const std::string base =
      "Gen. Smith said no. 5 ships left\rat dawn! Was it U.S. policy? Yes\xE3\x80\x82"
      "Then 3.5 more \xE2\x80\x9Cwent\xE2\x80\x9D. Done";
  const V expected{"Gen. Smith said no. 5 ships left", "at dawn!", "Was it U.S. policy?",
                   "Yes\xE3\x80\x82", "Then 3.5 more \xE2\x80\x9Cwent\xE2\x80\x9D.", "Done"};
  for (size_t pad = 0; pad < 16; ++pad) {
    EXPECT_EQ(split(std::string(pad, ' ') + base), expected) << "pad " << pad;
    EXPECT_EQ(split(std::string(pad, 'x') + "\n" + base), [&] {
      V v{std::string(pad, 'x')};
      if (pad == 0) v.clear();
      v.insert(v.end(), expected.begin(), expected.end());
      return v;
    }()) << "line of " << pad;
  }
}

}  // namespace
}  // namespace brinkwatch::text
