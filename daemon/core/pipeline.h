// Article → Document → Detection → output record: the per-message path shared by classify,
// replay and the daemon. No I/O; returns values.
#pragma once

#include <string>

#include "core/article.h"
#include "core/detect/detector.h"
#include "core/text/text.h"

namespace brinkwatch {

// Plain text from the article's text or html, repaired, as a Document.
text::Document prepare_document(const Article& article);

// The classify output line (JSON): id, url, source, published_at, ruleset, signals with
// evidence. Same shape as brinkwatch.signal/1 signals, grouped per article.
std::string to_json_line(const Article& article, const detect::Detection& detection,
                         const std::string& ruleset_version);

// The error record classify writes for an input it cannot use.
std::string error_json_line(size_t line_number, const Error& error);

}  // namespace brinkwatch
