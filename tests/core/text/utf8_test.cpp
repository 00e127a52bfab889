#include <gtest/gtest.h>

#include <string>

#include "core/text/text.h"

namespace brinkwatch::text {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(Utf8, ValidAcceptsWellFormed) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii text that is longer than one 8-byte block"));
  EXPECT_TRUE(is_valid_utf8("Zürich, Київ, القدس, 北京, \xF0\x9F\x98\x80"));
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
}

TEST(Utf8, ValidRejectsIllFormed) {
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("abc\x80"));
  EXPECT_FALSE(is_valid_utf8("truncated \xE2\x82"));
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(Utf8, RepairKeepsValidTextUnchanged) {
  const std::string s = "Kyiv — Київ 「東京」 \xF0\x9F\x98\x80\tend\r\n";
  EXPECT_EQ(repair_utf8(s), s);
}

TEST(Utf8, RepairReplacesEachMaximalSubpart) {
  // Examples from Unicode §3.9 (Table 3-8): one U+FFFD per maximal subpart.
  EXPECT_EQ(repair_utf8("a\xF1\x80\x80"
                        "b"),
            "a" + kFffd + "b");  // truncated 4-byte: one
  EXPECT_EQ(repair_utf8("\xE1\x80"
                        "x"),
            kFffd + "x");
  EXPECT_EQ(repair_utf8("\xC0\xAF"), kFffd + kFffd);              // C0 never starts a sequence
  EXPECT_EQ(repair_utf8("\xE0\x80\xAF"), kFffd + kFffd + kFffd);  // 80 is not allowed after E0
  EXPECT_EQ(repair_utf8("\xED\xA0\x80"), kFffd + kFffd + kFffd);  // surrogate
  EXPECT_EQ(repair_utf8("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);
  EXPECT_EQ(repair_utf8("\x80\x80"), kFffd + kFffd);
  EXPECT_EQ(repair_utf8("end\xE2\x82"), "end" + kFffd);
  EXPECT_EQ(repair_utf8("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64"),
            "a" + kFffd + kFffd + kFffd + "b" + kFffd + "c" + kFffd + kFffd + "d");
}

TEST(Utf8, RepairTurnsControlsIntoSpaces) {
  EXPECT_EQ(repair_utf8(std::string("a\0b\x01"
                                    "c\x1F"
                                    "d",
                                    7)),
            "a b c d");
  EXPECT_EQ(repair_utf8("keep\ttab\nnewline\rcr"), "keep\ttab\nnewline\rcr");
  // Controls inside a long ASCII run (the 8-byte fast path) too.
  EXPECT_EQ(repair_utf8("0123456789\x07"
                        "abcdefghij"),
            "0123456789 abcdefghij");
}

TEST(Utf8, RepairOutputIsAlwaysValid) {
  std::string all;
  for (int i = 0; i < 256; ++i) {
    for (int j = 0; j < 256; j += 7) {
      all.push_back(static_cast<char>(i));
      all.push_back(static_cast<char>(j));
    }
  }
  EXPECT_FALSE(is_valid_utf8(all));
  EXPECT_TRUE(is_valid_utf8(repair_utf8(all)));
}

}  // namespace
}  // namespace brinkwatch::text
