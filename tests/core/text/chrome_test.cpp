#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/text/text.h"

namespace brinkwatch::text {
namespace {

// The lines of `body` that find_chrome masks.
std::vector<std::string> masked(std::string_view body) {
  std::vector<std::string> out;
  for (const Span s : find_chrome(body)) out.emplace_back(body.substr(s.begin, s.end - s.begin));
  return out;
}

bool is_chrome(std::string_view line) { return masked(line).size() == 1; }

using V = std::vector<std::string>;

TEST(FindChrome, ReturnsWholeLineSpans) {
  const std::string body = "Shelling resumed near the port.\nADVERTISEMENT\nThe mayor spoke.";
  const std::vector<Span> spans = find_chrome(body);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].begin, 32u);
  EXPECT_EQ(spans[0].end, 45u);
}

TEST(FindChrome, DonationBanners) {
  EXPECT_TRUE(is_chrome("AIDFUND - Make a charitable donation in support of Freedonia!"));
  EXPECT_TRUE(is_chrome("Donate now to keep our reporting free"));
  EXPECT_TRUE(is_chrome("Please support independent journalism today."));
  EXPECT_TRUE(is_chrome("Support our journalism. Become a member."));
  EXPECT_TRUE(is_chrome("  Donate  "));
}

TEST(FindChrome, SubscriptionAndNewsletter) {
  EXPECT_TRUE(is_chrome("NEWSLETTER"));
  EXPECT_TRUE(is_chrome("Join the Freedonia Herald mailing list"));
  EXPECT_TRUE(is_chrome("Subscribe to our newsletter."));
  EXPECT_TRUE(is_chrome("Sign up for our daily briefing"));
  EXPECT_TRUE(is_chrome("Sign up"));
  EXPECT_TRUE(is_chrome("Get the latest headlines delivered to your inbox every morning."));
  EXPECT_TRUE(is_chrome("Already a subscriber? Log in"));
  EXPECT_TRUE(is_chrome("Our weekly newsletter"));
}

TEST(FindChrome, ShareFollowAndRelated) {
  EXPECT_TRUE(is_chrome("Share this article"));
  EXPECT_TRUE(is_chrome("Share on Facebook"));
  EXPECT_TRUE(is_chrome("Follow us on Telegram and X"));
  EXPECT_TRUE(is_chrome("Facebook Twitter WhatsApp Email"));
  EXPECT_TRUE(is_chrome("Related stories:"));
  EXPECT_TRUE(is_chrome("» Read more: Border talks collapse after third round"));
  EXPECT_TRUE(is_chrome("Advertisement - Scroll to continue"));
  EXPECT_TRUE(is_chrome("Home | World | Europe | Politics"));
  EXPECT_TRUE(is_chrome("Click here to listen to the podcast."));
}

TEST(FindChrome, CookiesAndCopyright) {
  EXPECT_TRUE(is_chrome("We use cookies to improve your experience. Accept all"));
  EXPECT_TRUE(is_chrome("This website uses cookies."));
  EXPECT_TRUE(is_chrome("\xC2\xA9 2025 Freedonia Media Group"));
  EXPECT_TRUE(is_chrome("Copyright 2024 Example News. All rights reserved."));
  EXPECT_TRUE(is_chrome("All Rights Reserved"));
}

TEST(FindChrome, BylinesDatelinesAndAgencyTrailers) {
  EXPECT_TRUE(is_chrome("By Jane Doe and Ólafur Jónsson"));
  EXPECT_TRUE(is_chrome("Updated: 12 March 2025, 10:32 GMT"));
  EXPECT_TRUE(is_chrome("March 12, 2025"));
  EXPECT_TRUE(is_chrome("Published 3 hours ago"));
  EXPECT_TRUE(is_chrome("Reporting by Jane Doe; Editing by John Roe"));
  EXPECT_TRUE(is_chrome("Photo: Example Agency"));
}

TEST(FindChrome, KeepsNewsProse) {
  EXPECT_FALSE(
      is_chrome("The ministry said the donation of 40 armoured vehicles arrived on Monday."));
  EXPECT_FALSE(is_chrome("In a newsletter to members, the union warned of strikes at the port."));
  EXPECT_FALSE(is_chrome("Donated drones were used in the attack, officials said."));
  EXPECT_FALSE(is_chrome("Share prices of defence firms rose after the strike."));
  EXPECT_FALSE(is_chrome("Subscribers in the border region reported outages."));
  EXPECT_FALSE(is_chrome("By Monday, troops had withdrawn from the village."));
  EXPECT_FALSE(is_chrome("Follow-up talks are planned for next week."));
  EXPECT_FALSE(is_chrome("Related talks in Geneva stalled, diplomats said."));
  EXPECT_FALSE(is_chrome("Artillery fire was reported overnight"));
  EXPECT_FALSE(is_chrome("Residents fled"));
  EXPECT_FALSE(is_chrome("March 12 protests turned violent in the capital."));
  EXPECT_FALSE(is_chrome("2025"));  // a number alone is not a date line
  EXPECT_FALSE(is_chrome("-----"));
}

TEST(FindChrome, ArticleWithChromeLines) {
  const std::string body =
      "Artillery hit the eastern district overnight, the governor said.\n"
      "Share this story\n"
      "Three people were wounded.\n"
      "\n"
      "SUPPORTFUND - Make a charitable donation in support of Freedonia!\n"
      "Join the Freedonia Herald mailing list\n"
      "The ministry said the donation of 40 armoured vehicles arrived on Monday.\n"
      "\xC2\xA9 2025 Freedonia Herald";
  EXPECT_EQ(
      masked(body),
      (V{"Share this story", "SUPPORTFUND - Make a charitable donation in support of Freedonia!",
         "Join the Freedonia Herald mailing list", "\xC2\xA9 2025 Freedonia Herald"}));
}

TEST(FindChrome, LongLinesAreNeverChrome) {
  std::string line = "Subscribe to our newsletter";
  for (int i = 0; i < 100; ++i) line += " and more words";
  EXPECT_TRUE(find_chrome(line).empty());
}

}  // namespace
}  // namespace brinkwatch::text
