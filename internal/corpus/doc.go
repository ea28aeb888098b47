// Package corpus generates a labelled, reproducible evaluation corpus for
// PII, PHI and secret detection, and fixed byte blobs for throughput
// benchmarks.
//
// # Documents
//
// Generate(seed, n) returns n documents of nine kinds (chat prompts, LLM
// answers, support tickets, clinical notes, SQL rows as INSERTs / psql output
// / CSV, JSON payloads, config files with secrets, log lines, and clean
// prose/code). Natural-language kinds come in English, German, French,
// Portuguese, Spanish, Italian and Indian English. Values sit behind varied
// context words or none, inside quotes, brackets, guillemets and backticks,
// next to non-breaking spaces and line breaks.
//
// Every inserted value is labelled with its canonical entity type (the
// constants in this package) and its byte span; Doc.Value(l) is the value.
// Generated values are valid, not merely well-shaped: Luhn card numbers of
// nine brands and three layouts, mod-97 IBANs of 25 countries, SSNs obeying
// the area/group/serial rules, Verhoeff Aadhaar numbers, mod-11 CPF/CNPJ/PIS,
// NHS numbers, NINOs with legal prefixes, phone numbers for the US, UK,
// Germany, France, Brazil, India and E.164 that libphonenumber validates,
// Base58Check Bitcoin addresses, GitHub tokens with their CRC32 suffix, real
// HS256 JWTs and Ed25519 PKCS#8 keys, and so on. The tests re-check every
// label with an independent validator.
//
// Names, cities, dates and street-level details appear as context but are
// not labelled: they are not in the vocabulary because neither engine
// compared in internal/maskbench claims them without a statistical model.
//
// # Hard negatives
//
// Doc.Negatives marks values that must not be reported: Luhn-failing
// 16-digit numbers, IBANs and SSNs that fail their rules, order ids, invoice
// numbers, version strings, UUIDs, git hashes, timestamps (ISO 8601, log
// formats, epoch seconds and milliseconds), prices, ISBNs, parcel tracking
// numbers, base64 blobs that are not secrets (data URIs, SRI hashes, paging
// cursors) and hex digests.
//
// Version strings: a dotted quad whose four parts are all at most 255 is an
// IPv4 address by shape, and nothing in the text can tell "1.2.3.4" the
// version from 1.2.3.4 the host, so the corpus never uses one as a version.
// Version negatives are three-part semver, pre-releases, "v"-prefixed quads
// and Windows-style builds with a part above 255 (10.0.19045.3803), none of
// which parse as an IP address. An engine should report no IP for them.
//
// # Blobs
//
// Clean, Sparse and Dense return exactly size bytes built from fixed seeds:
// clean prose, code and log lines with no PII; the same with about one value
// per 2 KiB; and log lines and table rows with several values per line.
// CleanDoc, SparseDoc and DenseDoc return the same bytes with their labels.
//
// # Scoring
//
// Entities lists the vocabulary with each type's category and the
// hoophq/alcatraz v0.23.0 type it corresponds to. An evaluation maps each
// engine's output types to these names and scores only the types both
// engines detect; internal/maskbench does this.
package corpus
