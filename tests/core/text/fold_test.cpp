#include <gtest/gtest.h>

#include <string>

#include "core/text/text.h"

namespace brinkwatch::text {
namespace {

TEST(FoldCase, LowersAscii) {
  EXPECT_EQ(fold_case("NATO Troops Crossed the BORDER at 05:00"),
            "nato troops crossed the border at 05:00");
}

TEST(FoldCase, LowersLatinGreekCyrillicArmenian) {
  EXPECT_EQ(fold_case("ÉTAT MAJOR Ölçü"), "état major ölçü");
  EXPECT_EQ(fold_case("ΑΘΗΝΑ"), "αθηνα");
  EXPECT_EQ(fold_case("ЗСУ Київ МОСКВА"), "зсу київ москва");
  EXPECT_EQ(fold_case("ՀԱՅԱՍՏԱՆ"), "հայաստան");
}

TEST(FoldCase, LeavesUncasedScriptsAlone) {
  const std::string s = "القدس 北京 東京 ソウル";
  EXPECT_EQ(fold_case(s), s);
}

TEST(FoldCase, KeepsByteLengthWhenTheLowerFormIsShorter) {
  // İ (2 bytes) lowers to i (1 byte) and the Kelvin sign (3 bytes) to k: both left as they are.
  const std::string s = "İstanbul \xE2\x84\xAA";
  const std::string f = fold_case(s);
  EXPECT_EQ(f.size(), s.size());
  EXPECT_EQ(f, s);
}

TEST(FoldCase, InvalidBytesPassThrough) {
  const std::string s =
      "AB\xFF\xC3"
      "CD\xE2\x82";
  EXPECT_EQ(fold_case(s),
            "ab\xFF\xC3"
            "cd\xE2\x82");
}

TEST(FoldCase, SameLengthOnEveryTwoByteInput) {
  std::string all;
  for (int i = 0; i < 256; ++i) {
    for (int j = 0; j < 256; ++j) {
      all.push_back(static_cast<char>(i));
      all.push_back(static_cast<char>(j));
    }
  }
  EXPECT_EQ(fold_case(all).size(), all.size());
}

// ASCII is folded 8 bytes at a time: every ASCII byte, at every position of a block (and in the
// tail after the last whole block), folds as it does alone. '@' and '[' border A-Z.
TEST(FoldCase, EveryAsciiByteAtEveryPosition) {
  for (int c = 0; c < 128; ++c) {
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : static_cast<char>(c);
    for (size_t pos = 0; pos < 19; ++pos) {
      std::string s(19, '@');
      s[pos] = static_cast<char>(c);
      std::string expected(19, '@');
      expected[pos] = lower;
      EXPECT_EQ(fold_case(s), expected) << "byte " << c << " at " << pos;
    }
  }
  EXPECT_EQ(fold_case("[[[[ZZZZ````AAAA"), "[[[[zzzz````aaaa");
}

}  // namespace
}  // namespace brinkwatch::text
