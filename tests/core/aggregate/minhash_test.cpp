// MinHash signatures: what counts as a copy of one story and what does not, on invented
// wire-style articles.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/aggregate/minhash.h"
#include "core/text/text.h"
#include "signals.h"

namespace brinkwatch::aggregate {
namespace {

using sim::minhash_of;

constexpr const char* kWireBody =
    "The navy of Freedonia sent three frigates and a supply ship toward the disputed Corvina "
    "Strait on Tuesday, the defence ministry said in a statement, a day after Sylvanian patrol "
    "boats shadowed a Freedonian fishing fleet near the islands. The ministry said the ships "
    "would conduct what it called readiness patrols and would remain in the area until further "
    "notice. Sylvania's foreign minister summoned the Freedonian ambassador and warned that any "
    "incursion into its territorial waters would be met with a firm response. Satellite images "
    "published by a private company showed at least two Sylvanian corvettes leaving the port of "
    "Ostrava late on Monday. Shipping insurers said they were reviewing premiums for vessels "
    "crossing the strait, which carries a fifth of the region's grain exports. Neither government "
    "has commented on reports that talks between their coast guards, scheduled for next week, "
    "have been postponed.";

std::string wire_story(const std::string& dateline) { return dateline + " - " + kWireBody; }

TEST(MinHash, IdenticalTextsAreSimilarityOne) {
  const MinHash a = minhash_of(wire_story("PORT ARDEN, March 4 (Wire)"));
  const MinHash b = minhash_of(wire_story("PORT ARDEN, March 4 (Wire)"));
  EXPECT_EQ(a, b);
  EXPECT_DOUBLE_EQ(similarity(a, b), 1.0);
}

TEST(MinHash, CaseFoldedTextsMatch) {
  // Signatures are taken over folded text, so case alone never separates copies.
  EXPECT_EQ(minhash(text::fold_case(wire_story("PORT ARDEN, March 4 (Wire)"))),
            minhash(text::fold_case(wire_story("Port Arden, March 4 (Wire)"))));
}

TEST(MinHash, ReprintWithNewDatelineAndOneRewordedSentenceIsANearDuplicate) {
  std::string reprint = wire_story("OSTRAVA, March 5 (Wire)");
  const std::string sentence = "Shipping insurers said they were reviewing premiums for vessels crossing the strait, "
                               "which carries a fifth of the region's grain exports.";
  const auto at = reprint.find(sentence);
  ASSERT_NE(at, std::string::npos);
  reprint.replace(at, sentence.size(),
                  "Insurance brokers in the capital told the agency that premiums for ships using the "
                  "waterway were likely to rise within days.");
  const double s = similarity(minhash_of(wire_story("PORT ARDEN, March 4 (Wire)")), minhash_of(reprint));
  EXPECT_GE(s, 0.5);
  EXPECT_LT(s, 1.0);
}

TEST(MinHash, UnrelatedArticlesAreNotSimilar) {
  const std::string unrelated =
      "The central bank of Sylvania left its main interest rate unchanged on Thursday, citing "
      "slowing inflation and a recovery in household spending after a difficult winter. The "
      "governor told reporters that the board would watch wage settlements closely over the "
      "coming months and was prepared to act if price pressures returned. Retail sales rose for a "
      "third consecutive month in February, led by clothing and electronics, while industrial "
      "output was flat. Economists polled before the decision had expected no change. The "
      "currency was little moved after the announcement, and government bond yields edged lower.";
  const std::string sport =
      "Freedonia's national football team beat the visitors two goals to one in a qualifier "
      "played in heavy rain, with the winning goal coming from a header in the final minute of "
      "added time. The coach praised the defence and said the squad would travel to the away "
      "leg with confidence.";
  const MinHash wire = minhash_of(wire_story("PORT ARDEN, March 4 (Wire)"));
  EXPECT_LE(similarity(wire, minhash_of(unrelated)), 0.3);
  EXPECT_LE(similarity(wire, minhash_of(sport)), 0.3);
  EXPECT_LE(similarity(minhash_of(unrelated), minhash_of(sport)), 0.3);
}

TEST(MinHash, GeneratedStoriesAreDistinct) {
  // The aggregator tests rely on story_text seeds being different stories.
  for (uint64_t a = 0; a < 20; ++a) {
    for (uint64_t b = a + 1; b < 20; ++b) {
      EXPECT_LE(similarity(minhash_of(sim::story_text(a)), minhash_of(sim::story_text(b))), 0.2)
          << a << " vs " << b;
    }
  }
}

TEST(MinHash, HexRoundTrip) {
  const MinHash m = minhash_of(wire_story("PORT ARDEN, March 4 (Wire)"));
  const std::string hex = to_hex(m);
  ASSERT_EQ(hex.size(), 256u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
  const auto back = minhash_from_hex(hex);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, m);
}

TEST(MinHash, HexRejectsMalformedInput) {
  const std::string hex = to_hex(minhash_of("three frigates sailed"));
  EXPECT_FALSE(minhash_from_hex(""));
  EXPECT_FALSE(minhash_from_hex(hex.substr(1)));
  EXPECT_FALSE(minhash_from_hex(hex + "0"));
  std::string upper = hex;
  upper.replace(0, 4, "ABCD");
  EXPECT_FALSE(minhash_from_hex(upper));
  std::string bad = hex;
  bad[100] = 'g';
  EXPECT_FALSE(minhash_from_hex(bad));
}

TEST(MinHash, ChromeSpansAreSkipped) {
  const std::string clean = "Three frigates sailed toward the strait on Tuesday.\nThe ministry confirmed the move.";
  const std::string with_chrome =
      "Three frigates sailed toward the strait on Tuesday.\nADVERTISEMENT\nSubscribe to our newsletter.\n"
      "The ministry confirmed the move.";
  const std::string folded = text::fold_case(with_chrome);
  const size_t begin = folded.find("advertisement");
  const size_t end = folded.find("the ministry");
  const std::vector<text::Span> skip{{static_cast<uint32_t>(begin), static_cast<uint32_t>(end)}};
  EXPECT_EQ(minhash(folded, skip), minhash_of(clean));
  EXPECT_NE(minhash(folded), minhash_of(clean));
}

TEST(MinHash, DocumentLeavesPageChromeOut) {
  const std::string body = std::string(kWireBody);
  const std::string wrapped = "Donate now to keep our reporting free\n" + body +
                              "\nShare this article\nSign up for our daily briefing\n";
  const text::Document plain = text::make_document("Frigates sail for the strait", body);
  const text::Document framed = text::make_document("Frigates sail for the strait", wrapped);
  ASSERT_FALSE(framed.chrome.empty());
  EXPECT_EQ(minhash(framed), minhash(plain));
}

TEST(MinHash, ShortAndEmptyTexts) {
  EXPECT_EQ(minhash(""), MinHash{});
  EXPECT_EQ(minhash("   ...  "), MinHash{});
  // Under three words: the words alone, still a usable signature.
  const MinHash two = minhash("warships sighted");
  EXPECT_NE(two, MinHash{});
  EXPECT_EQ(two, minhash("warships, sighted!"));
  EXPECT_NE(two, minhash("warships seen"));
}

}  // namespace
}  // namespace brinkwatch::aggregate
