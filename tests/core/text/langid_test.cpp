#include <string>

#include <gtest/gtest.h>

#include "core/text/text.h"

namespace brinkwatch::text {
namespace {

constexpr const char* kSpanish =
    "El gobierno anunció el martes que enviará tres buques de guerra a la costa del país vecino, "
    "mientras los ministros de exteriores de la región se reúnen en la capital para buscar una "
    "salida negociada a la crisis.";
constexpr const char* kRussian =
    "Министерство обороны заявило во вторник, что дополнительные подразделения будут направлены "
    "к границе, а переговоры между министрами иностранных дел продолжатся на следующей неделе.";
constexpr const char* kEnglish =
    "The defence ministry said on Tuesday that additional units would be sent to the border, "
    "while talks between the foreign ministers would continue next week in the capital.";

TEST(DetectLanguage, KnowsTheLanguagesWeHaveRulesFor) {
  EXPECT_EQ(detect_language(kSpanish).code, "es");
  EXPECT_EQ(detect_language(kRussian).code, "ru");
  EXPECT_EQ(detect_language(kEnglish).code, "en");
  EXPECT_TRUE(detect_language(kEnglish).reliable);
}

TEST(DetectLanguage, GivesIso6391Codes) {
  // CLD2 itself says "iw", the code withdrawn in 1989.
  const char* hebrew =
      "משרד הביטחון הודיע ביום שלישי כי יחידות נוספות יישלחו לגבול, בעוד השיחות בין שרי החוץ "
      "יימשכו בשבוע הבא בבירה.";
  EXPECT_EQ(detect_language(hebrew).code, "he");
  EXPECT_EQ(language_code("zh-Hant"), "zh");
  EXPECT_EQ(language_code("iw"), "he");
  EXPECT_EQ(language_code("jw"), "jv");
  EXPECT_EQ(language_code("fr"), "fr");
  for (const char* none : {"un", "xx", "xx-Qaai", "syr", "ceb", "haw", "", "E"}) {
    EXPECT_EQ(language_code(none), "") << none;
  }
}

TEST(DetectLanguage, EmptyOrNoiseIsNotReliable) {
  EXPECT_EQ(detect_language("").code, "");
  EXPECT_FALSE(detect_language("").reliable);
  // CLD2 falls back to a guess (English) on noise, but never calls it reliable.
  EXPECT_FALSE(detect_language("12 34 56 !!").reliable);
}

TEST(DetectLanguage, ReadsFurtherWhenTheOpeningIsNotEnough) {
  // An opening of figures (a results table, a dateline list) tells CLD2 nothing; the Spanish
  // after it, past the first 512 bytes, does.
  std::string text;
  while (text.size() < 600) text += "12 34 56 78 90 - ";
  ASSERT_FALSE(detect_language(text).reliable);
  text += kSpanish;
  text += ' ';
  text += kSpanish;
  const LanguageGuess guess = detect_language(text);
  EXPECT_EQ(guess.code, "es");
  EXPECT_TRUE(guess.reliable);
  // Past the first 2 KiB nothing is read.
  std::string late;
  while (late.size() < 2100) late += "12 34 56 78 90 - ";
  late += kSpanish;
  EXPECT_FALSE(detect_language(late).reliable);
}

TEST(ChooseLanguage, TrustsTheProducerUnlessTheTextReliablySaysOtherwise) {
  EXPECT_EQ(choose_language("es-ES", kSpanish), "es");   // region subtag dropped
  EXPECT_EQ(choose_language("ES", kSpanish), "es");      // case folded
  EXPECT_EQ(choose_language("en", kSpanish), "es");      // mislabelled by the producer
  EXPECT_EQ(choose_language("", kRussian), "ru");        // missing: detected
  EXPECT_EQ(choose_language("fr", "OK"), "fr");          // too little text to contradict
  EXPECT_EQ(choose_language("", "OK"), "");              // nothing to go by
}

}  // namespace
}  // namespace brinkwatch::text
