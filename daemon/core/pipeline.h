// Article → Document → Detection → output record: the per-message path shared by classify,
// replay and the daemon. No I/O; returns values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/aggregate/minhash.h"
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

// brinkwatch.signal/1 records (docs/schemas/signal.schema.json): one per signal of the article
// and region it is attributed to, keyed by that region ("region" in the record; "unlocated"
// when the signal has none), so that every signal for a region lands in one partition of the
// signals topic and one aggregator owns the region's state. `minhash` is the article's MinHash
// signature (aggregate/minhash.h), for near-duplicate detection downstream.
inline constexpr const char* kSignalSchema = "brinkwatch.signal/1";
struct SignalRecord {
  std::string key;
  std::string value;  // JSON
};
std::vector<SignalRecord> to_signal_records(const Article& article, const detect::Detection& detection,
                                            const std::string& ruleset_version, int64_t detected_unix_ms,
                                            const aggregate::MinHash& minhash);
// The same with the MinHash of `doc`, the article's Document, computed only when there are
// records: most articles have no signal, and the signature is a tenth of a quiet article's cost.
std::vector<SignalRecord> to_signal_records(const Article& article, const text::Document& doc,
                                            const detect::Detection& detection,
                                            const std::string& ruleset_version, int64_t detected_unix_ms);

// fnv1a64 of title, a newline and the text (or the html when there is no text), 16 hex digits:
// the same story delivered twice has the same fingerprint.
std::string content_fingerprint(const Article& article);

// The error record classify writes for an input it cannot use.
std::string error_json_line(size_t line_number, const Error& error);

}  // namespace brinkwatch
