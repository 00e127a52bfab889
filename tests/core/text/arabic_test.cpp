#include <algorithm>

#include <gtest/gtest.h>

#include "core/rules/rulebook.h"
#include "core/text/text.h"

namespace brinkwatch::text {
namespace {

std::string form(std::string_view word) {
  std::string out;
  std::vector<uint32_t> map;
  const size_t end = append_arabic_word(word, 0, out, &map);
  EXPECT_EQ(end, word.size());
  EXPECT_EQ(map.size(), out.size());
  return out;
}

TEST(ArabicMatchForm, SplitsProcliticsWhileThreeLettersRemain) {
  EXPECT_EQ(form("والصواريخ"), "و ال صواريخ");
  EXPECT_EQ(form("بالجيش"), "ب ال جيش");
  EXPECT_EQ(form("للعراق"), "ل ال عراق");  // لل = ل + ال
  EXPECT_EQ(form("جيش"), "جيش");      // three letters: nothing to peel
  EXPECT_EQ(form("وزير"), "و زير");    // consistent with "الوزير" below, so "وزير" matches both
  EXPECT_EQ(form("الوزير"), "ال و زير");
}

TEST(ArabicMatchForm, NormalisesLettersAndDropsMarks) {
  EXPECT_EQ(form("أطلق"), form("اطلق"));               // hamza on alef
  EXPECT_EQ(form("إسرائيل"), form("اسرائيل"));
  EXPECT_EQ(form("مستشفى"), form("مستشفي"));           // alef maqsura
  EXPECT_EQ(form("غارة"), form("غاره"));               // teh marbuta
  EXPECT_EQ(form("قَصَفَ"), form("قصف"));               // diacritics
  EXPECT_EQ(form("قصـــف"), form("قصف"));              // tatweel
}

TEST(ArabicMatchForm, MapPointsAtSourceBytes) {
  const std::string word = "والجيش";
  std::string out;
  std::vector<uint32_t> map;
  append_arabic_word(word, 0, out, &map);
  ASSERT_EQ(map.size(), out.size());
  // The stem "جيش" starts at byte 6 of the source (after و, ا, ل: two bytes each).
  const size_t stem = out.rfind(' ') + 1;
  EXPECT_EQ(map[stem], 6u);
}

TEST(ArabicMatchForm, TermsAndTextAgree) {
  // A bare stem as a rule term matches prefixed forms in text.
  const std::string term = " " + rules::normalise_phrase("صواريخ") + " ";
  EXPECT_NE((" " + form("بالصواريخ") + " ").find(term), std::string::npos);
  EXPECT_NE((" " + form("وصواريخ") + " ").find(term), std::string::npos);
}

}  // namespace
}  // namespace brinkwatch::text
