// Package mask finds personal data, health data and secrets in text, JSON,
// SQL rows and streams, and replaces them before they leave the service.
//
// # Detection
//
// A [Detector] reports spans ([Match]) of one or more [Entity] types. The
// package ships one built-in detector per entity ([Builtins]): contact data
// (email, phone numbers for NANP, UK, DE, FR, IN, BR and E.164), cards (Luhn
// and issuer ranges), IBANs (ISO 7064 mod-97 and country lengths), routing
// numbers (ABA weights), national identifiers of the US, UK, Australia,
// India, Italy, Spain, Singapore, Brazil, Poland, Korea, Finland, Thailand,
// China, Germany and France with their check digits (Verhoeff, mod-11
// families, mod-89, mod-97, ISO 7064 MOD 11,10, letter tables), network
// identifiers, wallet addresses (Base58Check, bech32), calendar dates
// (timestamps with a time of day are left alone), medical identifiers (DEA, NPI, ICD-10 next to clinical words), and
// secrets: cloud keys, VCS and CI tokens, Slack, Stripe and other vendor
// keys, JWTs with a JSON header, PEM private keys, credentials in URLs and
// high-entropy values assigned to key words (password=, "api_key": ...).
// A value whose check digit fails is not a match. Words such as "ssn" or
// "passport" before a value raise its confidence; values that only look
// like an identifier (nine bare digits) need them to pass the profile's
// threshold. Custom detectors: [Regex], [Dictionary] and [DetectorFunc].
//
// # Engine
//
// All detectors of a profile share one pass over the text. A 256-entry
// byte-class table finds the few bytes that can start a value (digits,
// '@', '+', '(', ':'), and one Aho–Corasick automaton (DFA over a
// case-folded, compressed alphabet) finds every literal anchor at once:
// vendor token prefixes ("AKIA", "ghp_", "xoxb-", "sk_live_",
// "-----BEGIN "), key words ("password", "secret", "token") and dictionary
// terms. Hand-written matchers then parse only around those candidates
// (a regular expression runs only for custom Regex detectors, only there)
// and validators come last. Each candidate costs bounded work, so the scan
// is linear in the input; clean text costs about one table lookup and one
// automaton step per byte and allocates nothing.
//
// Overlapping matches merge into one span — the union, so no part of a
// detected value survives — labelled by the most confident detector, then
// the longer match, then the leftmost, then registration order.
//
// # Strategies and profiles
//
// A [Profile] names the detectors to run, a [Strategy] per entity (redact
// "[EMAIL]", partial "****1234", keyed pseudonym "<EMAIL_kdpfmoab>",
// reversible token "<EMAIL_TK_...>" held in a [Vault], drop), JSON field
// rules by path ("patients[*].ssn", "*.email", "**.password") and SQL
// column rules by name. Profiles load from YAML or JSON with
// [LoadProfiles] and are validated up front: an unknown detector, entity,
// strategy or a malformed path is an error naming the profile and field.
//
// Pseudonyms and tokens are HMAC-SHA256 under a key derived per tenant
// from the master key ([WithKey], at least 32 bytes), so one value gets one
// token in a prompt, a vector payload and a SQL row of the same tenant, and
// different tokens across tenants. Tokens use letters only, so masking the
// output again changes nothing. [Engine.Restore] puts tokenized values
// back; pseudonyms are one-way. Who may restore is the caller's decision.
//
// # Surfaces
//
// [Masker.String] returns the input itself, without allocating, when it
// finds nothing. [Masker.JSON] masks by path and by content, member names
// included, and never returns broken JSON; [Masker.Value] does the same on
// a decoded payload (map keys included, and values of any Go type as
// encoding/json sees them). [Masker.Row] masks rule columns whole, scans
// the other text cells and masks JSON, array and number cells as Value
// does. [Masker.Stream] masks a stream chunk by chunk: it holds
// back only the bytes a value still in progress could cover, and for every
// way of splitting a text the output equals [Masker.String] on the whole.
//
// Every operation returns a [Summary] — entity, detector, location,
// strategy and count, optionally a keyed hash per value ([WithAuditHashes])
// — for the audit event. Nothing in this package logs or returns a masked
// value; summaries, engines and maskers implement slog.LogValuer.
//
// The masktest package is the conformance suite for Detector
// implementations.
package mask
