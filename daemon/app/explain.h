#pragma once

#include <string>

#include "core/article.h"
#include "core/detect/detector.h"
#include "core/text/text.h"

namespace brinkwatch::app {

// A readable account of one article: sentences with candidate rules, what fired, what each
// modifier and exception did, and where each signal was placed.
std::string explain_text(const Article& article, const text::Document& doc,
                         const detect::Detection& detection);

}  // namespace brinkwatch::app
