#include <gtest/gtest.h>

#include <string>

#include "core/text/text.h"

namespace brinkwatch::text {
namespace {

TEST(HtmlToText, DropsTagsAndCollapsesWhitespace) {
  EXPECT_EQ(html_to_text("<p>Troops   <b>moved</b>\n  north <i>overnight</i>.</p>"),
            "Troops moved north overnight.");
  EXPECT_EQ(html_to_text("plain text, no tags"), "plain text, no tags");
  EXPECT_EQ(html_to_text(""), "");
  EXPECT_EQ(html_to_text("   <div>  </div>  "), "");
}

TEST(HtmlToText, BlocksBecomeLineBreaks) {
  EXPECT_EQ(html_to_text("<h1>Title</h1><p>First.</p><p>Second.</p>"),
            "Title\n\nFirst.\n\nSecond.");
  EXPECT_EQ(html_to_text("one<br>two<br/>three"), "one\ntwo\nthree");
  EXPECT_EQ(html_to_text("<ul><li>a</li><li>b</ul>after"), "a\nb\n\nafter");
  EXPECT_EQ(html_to_text("<div>x</div><div>y</div>"), "x\ny");
  EXPECT_EQ(html_to_text("<table><tr><td>Kyiv</td><td>3</td></tr></table>"), "Kyiv\n3");
}

TEST(HtmlToText, DropsScriptStyleAndFurniture) {
  EXPECT_EQ(html_to_text("a<script>var s = '<p>not text</p>';</script>b"), "a b");
  EXPECT_EQ(html_to_text("a<STYLE type=text/css>p { color: red }</sTyLe >b"), "a b");
  EXPECT_EQ(html_to_text("<nav><a href=/>Home</a> <a>World</a></nav><p>Body text.</p>"),
            "Body text.");
  EXPECT_EQ(html_to_text("<header>Site</header><p>x</p><footer>Contact</footer>"), "x");
  EXPECT_EQ(html_to_text("<p>x</p><aside>More stories</aside><form>Email <input></form>"), "x");
  EXPECT_EQ(html_to_text("<p>a<svg><text>label</text></svg>b</p>"), "a\nb");
  EXPECT_EQ(html_to_text("<noscript>Enable JS</noscript><template>t</template>ok"), "ok");
  EXPECT_EQ(html_to_text("<title>Page title</title><p>body</p>"), "body");
}

TEST(HtmlToText, NestedSkippedElementsCloseCorrectly) {
  EXPECT_EQ(html_to_text("<nav><nav>in</nav>still in</nav>out"), "out");
  // An unclosed <li> inside a nav does not keep the nav open.
  EXPECT_EQ(html_to_text("<nav><ul><li>Home<li>World</ul></nav><p>Story.</p>"), "Story.");
}

TEST(HtmlToText, DropsChromeMarkedByClassOrId) {
  EXPECT_EQ(html_to_text("<p>Story.</p><div class=\"newsletter-signup\">Get our newsletter</div>"
                         "<p>More story.</p>"),
            "Story.\n\nMore story.");
  EXPECT_EQ(html_to_text("<p>A.</p><div id='share-buttons'><a>Facebook</a></div><p>B.</p>"),
            "A.\n\nB.");
  EXPECT_EQ(html_to_text("<div class=\"donation_box\"><p>Please give</p></div>x"), "x");
  EXPECT_EQ(html_to_text("<div class=\"ad\">Buy</div><div class=\"adjacent\">kept</div>"), "kept");
  EXPECT_EQ(html_to_text("<div role=\"navigation\">menu</div>text"), "text");
  // Words are matched as prefixes, not substrings: "canvas" and "unshared" are not chrome.
  EXPECT_EQ(html_to_text("<div class=\"canvas unshared\">kept</div>"), "kept");
}

TEST(HtmlToText, ChromeClassDoesNotSwallowAnArticle) {
  // A wrapper that merely mentions a sidebar holds the article: too much text to be chrome.
  std::string body;
  for (int i = 0; i < 100; ++i) body += "The convoy moved through the valley overnight. ";
  const std::string html = "<div class=\"content has-sidebar\"><p>" + body + "</p></div>";
  const std::string text = html_to_text(html);
  EXPECT_EQ(text.size(), body.size() - 1);
  // And the body element itself is never chrome.
  EXPECT_EQ(html_to_text("<body class=\"with-sidebar\">short</body>"), "short");
}

TEST(HtmlToText, UnclosedChromeElementEndsAtEndOfInput) {
  EXPECT_EQ(html_to_text("<p>Story.</p><div class=\"cookie-banner\">We use cookies"), "Story.");
}

TEST(HtmlToText, DecodesEntities) {
  EXPECT_EQ(html_to_text("Tom &amp; Jerry &lt;b&gt; &quot;q&quot; it&#39;s it&#x27;s"),
            "Tom & Jerry <b> \"q\" it's it's");
  EXPECT_EQ(html_to_text("a&nbsp;b &mdash; c&ndash;d &rsquo;&lsquo;&ldquo;&rdquo;&hellip;"),
            "a b \u2014 c\u2013d \u2019\u2018\u201C\u201D\u2026");
  EXPECT_EQ(html_to_text("&#1050;&#x438;&#X457;&#1074;"), "Київ");
  EXPECT_EQ(html_to_text("caf&eacute; &euro;5 &copy 2025"), "café €5 © 2025");
  EXPECT_EQ(html_to_text("x&#146;s &#151; y"), "x\u2019s \u2014 y");  // Windows-1252 range
}

TEST(HtmlToText, InvalidEntities) {
  EXPECT_EQ(html_to_text("&#0;&#xD800;&#1114112;&#99999999999999999999;"),
            "\uFFFD\uFFFD\uFFFD\uFFFD");
  EXPECT_EQ(html_to_text("AT&T &unknown; &#; &#x; a & b &"), "AT&T &unknown; &#; &#x; a & b &");
  EXPECT_EQ(html_to_text("a&#7;b"), "a b");
}

TEST(HtmlToText, CommentsDoctypeAndStrayBrackets) {
  EXPECT_EQ(html_to_text("<!DOCTYPE html><!-- <p>hidden</p> -->a<!---->b<?xml x?>c"), "abc");
  EXPECT_EQ(html_to_text("1 < 2 and 3 <= 4 <"), "1 < 2 and 3 <= 4 <");
  EXPECT_EQ(html_to_text("a </> b"), "a b");
}

TEST(HtmlToText, AttributesWithQuotedBrackets) {
  EXPECT_EQ(html_to_text("<a title=\"x > y\" href='/a>b'>link</a> text"), "link text");
}

TEST(HtmlToText, TruncatedMarkupIsDropped) {
  EXPECT_EQ(html_to_text("text <a href=\"never closed"), "text");
  EXPECT_EQ(html_to_text("text <!-- open comment"), "text");
  EXPECT_EQ(html_to_text("text <script>var x"), "text");
}

TEST(HtmlToText, OutputIsValidUtf8) {
  const std::string out = html_to_text("<p>bad \xC3 byte \xFF and \x01 control</p>");
  EXPECT_TRUE(is_valid_utf8(out));
  EXPECT_EQ(out, "bad \uFFFD byte \uFFFD and control");
}

TEST(HtmlToText, SoftHyphenRemovedNbspIsSpace) {
  EXPECT_EQ(html_to_text("escal\xC2\xAD"
                         "ation\xC2\xA0now"),
            "escalation now");
}

}  // namespace
}  // namespace brinkwatch::text
