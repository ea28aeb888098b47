package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/ragguard/ragguard/audit"
)

// progressEvery is how many records pass between progress lines (a
// variable so tests can see progress on small logs).
var progressEvery uint64 = 100_000

// verifyReport is the --json output of audit verify. Its field names are
// the CLI's own, stable across changes of the library's types.
type verifyReport struct {
	OK       bool           `json:"ok"`
	Error    string         `json:"error,omitempty"`
	Failed   *failedRecord  `json:"failed,omitempty"`
	Records  uint64         `json:"records"`
	Events   uint64         `json:"events"`
	Streams  []streamReport `json:"streams"`
	Warnings []string       `json:"warnings,omitempty"`
	Elapsed  string         `json:"elapsed"`
}

// failedRecord names the first record that failed verification.
type failedRecord struct {
	Origin string `json:"origin"`
	Seq    uint64 `json:"seq"`
	Reason string `json:"reason"`
}

// streamReport is what verification found in one stream.
type streamReport struct {
	Origin      string    `json:"origin"`
	KeyID       string    `json:"key_id"`
	Records     uint64    `json:"records"`
	Events      uint64    `json:"events"`
	Checkpoints uint64    `json:"checkpoints"`
	Gaps        uint64    `json:"gaps"`
	Dropped     uint64    `json:"dropped"`
	Pruned      uint64    `json:"pruned"`
	TreeSize    int64     `json:"tree_size"`
	Root        string    `json:"root"`
	LastSeq     uint64    `json:"last_seq"`
	Closed      bool      `json:"closed"`
	SealedBy    string    `json:"sealed_by,omitempty"`
	First       time.Time `json:"first,omitzero"`
	Last        time.Time `json:"last,omitzero"`
}

func newStreamReport(s *audit.StreamResult) streamReport {
	return streamReport{Origin: s.Origin, KeyID: s.KeyID, Records: s.Records, Events: s.Events,
		Checkpoints: s.Checkpoints, Gaps: s.Gaps, Dropped: s.Dropped, Pruned: s.Pruned, TreeSize: s.TreeSize,
		Root: s.Root.String(), LastSeq: s.LastSeq, Closed: s.Closed, SealedBy: s.SealedBy, First: s.First, Last: s.Last}
}

func runVerify(e *env, path string, args []string) int {
	fs := newFlags(e, path, "--dir DIR | --pg URL [--origin O] --trusted-key FILE [--json] [--max-heartbeat D]")
	var src sourceFlags
	src.register(fs)
	var keyFiles multiFlag
	fs.Var(&keyFiles, "trusted-key", "PEM `FILE` of a long-term public key that vouches for streams (repeatable; required)")
	asJSON := fs.Bool("json", false, "write the result as JSON to stdout")
	maxHeartbeat := fs.Duration("max-heartbeat", 0, "fail a stream whose checkpoints are further apart than `D` (0: no check)")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr")
	if code, ok := src.parseArgs(e, fs, args); !ok {
		return code
	}
	if len(keyFiles) == 0 {
		return usageErr(e, fs, "--trusted-key is required: verification needs the key that vouches for the streams")
	}
	if *maxHeartbeat < 0 {
		return usageErr(e, fs, "--max-heartbeat must not be negative")
	}
	keys, err := loadTrustedKeys(keyFiles)
	if err != nil {
		return usageErr(e, fs, "%v", err)
	}
	recs, release, err := src.open(e.ctx)
	if err != nil {
		return fail(e, path, err)
	}
	defer release()

	var opts []audit.VerifyOption
	for _, k := range keys {
		opts = append(opts, audit.WithTrustedKey(k.id, k.pub))
	}
	if *maxHeartbeat > 0 {
		opts = append(opts, audit.WithMaxCheckpointInterval(*maxHeartbeat))
	}
	start := time.Now()
	if !*quiet {
		opts = append(opts, audit.WithProgress(progressEvery, func(p audit.Progress) {
			if p.Records >= progressEvery {
				fmt.Fprintf(e.stderr, "%s: %d records, %d events, %v\n", path, p.Records, p.Events, time.Since(start).Round(time.Millisecond))
			}
		}))
	}
	var seen int // records and read errors the source yielded
	counted := func(yield func(audit.Record, error) bool) {
		for r, err := range recs {
			seen++
			if !yield(r, err) {
				return
			}
		}
	}
	res, verr := audit.Verify(e.ctx, counted, opts...)
	if res == nil {
		res = &audit.Result{}
	}
	if seen == 0 {
		// Nothing verified is not a pass: say plainly that a mistyped
		// --dir or --origin found nothing.
		verr = errNoRecords(&src)
	}
	rep := verifyReport{OK: verr == nil, Records: res.Records, Events: res.Events, Streams: []streamReport{},
		Warnings: res.Warnings, Elapsed: time.Since(start).Round(time.Millisecond).String()}
	for _, s := range res.Streams {
		rep.Streams = append(rep.Streams, newStreamReport(s))
	}
	if verr != nil {
		rep.Error = verr.Error()
		var ve *audit.VerifyError
		if errors.As(verr, &ve) {
			rep.Failed = &failedRecord{Origin: ve.Origin, Seq: ve.Seq, Reason: ve.Reason}
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fail(e, path, err)
		}
	} else {
		for _, s := range res.Streams {
			state := "open"
			switch {
			case s.Closed:
				state = "closed"
			case s.SealedBy != "":
				state = "sealed by " + s.SealedBy
			}
			fmt.Fprintf(e.stdout, "%s: %d records, %d events, %d checkpoints, tree size %d, %s, key %s",
				s.Origin, s.Records, s.Events, s.Checkpoints, s.TreeSize, state, s.KeyID)
			if s.Gaps > 0 || s.Pruned > 0 {
				fmt.Fprintf(e.stdout, ", %d gaps (%d events dropped), %d records pruned", s.Gaps, s.Dropped, s.Pruned)
			}
			fmt.Fprintln(e.stdout)
		}
		for _, w := range res.Warnings {
			fmt.Fprintf(e.stdout, "warning: %s\n", w)
		}
		if verr == nil {
			fmt.Fprintf(e.stdout, "OK: %d streams, %d records, %d events verified\n", len(res.Streams), res.Records, res.Events)
		}
	}
	if verr != nil {
		var ve *audit.VerifyError
		if errors.As(verr, &ve) && ve.Origin != "" {
			fmt.Fprintf(e.stderr, "%s: FAILED at %s seq %d: %s\n", path, ve.Origin, ve.Seq, ve.Reason)
		} else {
			fmt.Fprintf(e.stderr, "%s: FAILED: %v\n", path, verr)
		}
		return exitFailed
	}
	return exitOK
}

func errNoRecords(src *sourceFlags) error {
	where := src.dir
	if where == "" {
		where = "the PostgreSQL table"
	}
	if src.origin != "" {
		return fmt.Errorf("no records of origin %q in %s", src.origin, where)
	}
	return fmt.Errorf("no audit records in %s", where)
}

func parseEventID(s string) (uuid.UUID, error) {
	if s == "" {
		return uuid.UUID{}, errors.New("--id is required")
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.UUID{}, fmt.Errorf("--id %q is not a UUID", s)
	}
	return id, nil
}

func runProve(e *env, path string, args []string) int {
	fs := newFlags(e, path, "--dir DIR | --pg URL [--origin O] --id EVENT_ID [--out FILE]")
	src := registerEventFlags(fs)
	out := fs.String("out", "-", "write the proof to `FILE` (- for stdout)")
	id, code, ok := src.parseArgs(e, fs, args)
	if !ok {
		return code
	}
	recs, release, err := src.open(e.ctx)
	if err != nil {
		return fail(e, path, err)
	}
	defer release()
	proof, err := audit.Prove(recs, id)
	if err != nil {
		return fail(e, path, err)
	}
	data, err := json.MarshalIndent(proof, "", "  ")
	if err != nil {
		return fail(e, path, err)
	}
	data = append(data, '\n')
	if *out == "-" {
		_, err = e.stdout.Write(data)
	} else {
		err = os.WriteFile(*out, data, 0o644)
	}
	if err != nil {
		return fail(e, path, err)
	}
	if *out != "-" {
		fmt.Fprintf(e.stderr, "%s: proof of event %s (%s seq %d, leaf %d of %d) written to %s\n",
			path, id, proof.Origin, proof.Seq, proof.LeafIndex, proof.TreeSize, *out)
	}
	return exitOK
}

func runVerifyProof(e *env, path string, args []string) int {
	fs := newFlags(e, path, "PROOF.json --trusted-key FILE [--json]")
	var keyFiles multiFlag
	fs.Var(&keyFiles, "trusted-key", "PEM `FILE` of the long-term public key (repeatable; required)")
	asJSON := fs.Bool("json", false, "print the proven event as JSON only")
	pos, code, ok := parse(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageErr(e, fs, "want exactly one proof file, have %d arguments", len(pos))
	}
	if len(keyFiles) == 0 {
		return usageErr(e, fs, "--trusted-key is required")
	}
	keys, err := loadTrustedKeys(keyFiles)
	if err != nil {
		return usageErr(e, fs, "%v", err)
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return fail(e, path, err)
	}
	var p audit.InclusionProof
	if err := json.Unmarshal(data, &p); err != nil {
		return fail(e, path, fmt.Errorf("%s: not a proof file: %w", pos[0], err))
	}
	// Pick the trusted key the stream binding names.
	sk, err := audit.ParseStreamKey([]byte(p.StreamKey))
	if err != nil {
		return fail(e, path, fmt.Errorf("%s: %w", pos[0], err))
	}
	var trusted *trustedKey
	for i := range keys {
		if keys[i].id == sk.KeyID {
			trusted = &keys[i]
			break
		}
	}
	if trusted == nil {
		return fail(e, path, fmt.Errorf("the proof's stream is vouched for by key %q, which is not among the trusted keys", sk.KeyID))
	}
	ev, err := audit.VerifyProof(&p, trusted.pub)
	if err != nil {
		return fail(e, path, err)
	}
	if *asJSON {
		fmt.Fprintln(e.stdout, p.Event)
		return exitOK
	}
	fmt.Fprintf(e.stdout, "OK: event %s is leaf %d of the %d-leaf tree of %s, signed by key %s\n",
		ev.ID, p.LeafIndex, p.TreeSize, p.Origin, sk.KeyID)
	fmt.Fprintln(e.stdout, indentJSON([]byte(p.Event)))
	return exitOK
}

// showReport is what audit show prints.
type showReport struct {
	Origin       string          `json:"origin"`
	Seq          uint64          `json:"seq"`
	Event        json.RawMessage `json:"event"`
	Session      *showSession    `json:"session,omitempty"`
	SessionCheck string          `json:"session_check,omitempty"`
}

type showSession struct {
	Request        string `json:"request,omitempty"`
	Response       string `json:"response,omitempty"`
	RequestBase64  []byte `json:"request_base64,omitempty"`
	ResponseBase64 []byte `json:"response_base64,omitempty"`
}

func runShow(e *env, path string, args []string) int {
	fs := newFlags(e, path, "--dir DIR | --pg URL [--origin O] --id EVENT_ID [--sessions DIR]")
	src := registerEventFlags(fs)
	sessions := fs.String("sessions", "", "the session store `DIR` (DirSessionStore) holding the event's bodies")
	id, code, ok := src.parseArgs(e, fs, args)
	if !ok {
		return code
	}
	recs, release, err := src.open(e.ctx)
	if err != nil {
		return fail(e, path, err)
	}
	defer release()

	needle := []byte(id.String())
	var found *audit.Record
	var ev *audit.Event
	for r, err := range recs {
		if err != nil {
			if errors.Is(err, audit.ErrPruned) || errors.Is(err, audit.ErrTornLine) {
				continue
			}
			return fail(e, path, err)
		}
		if r.Type != audit.TypeEvent || !bytes.Contains(r.Data, needle) {
			continue
		}
		parsed, err := audit.ParseEvent(r.Data)
		if err != nil || parsed.ID != id {
			continue
		}
		found, ev = &r, parsed
		break
	}
	if found == nil {
		return fail(e, path, fmt.Errorf("event %s: %w", id, audit.ErrEventNotFound))
	}
	rep := showReport{Origin: found.Origin, Seq: found.Seq, Event: json.RawMessage(found.Data)}
	exit := exitOK
	if *sessions != "" {
		store, err := audit.NewDirSessionStore(*sessions)
		if err != nil {
			return fail(e, path, err)
		}
		rec, err := store.Get(e.ctx, id)
		switch {
		case errors.Is(err, audit.ErrSessionNotFound):
			rep.SessionCheck = "no session record (never stored, or erased by retention)"
		case err != nil:
			return fail(e, path, err)
		default:
			rep.Session = &showSession{}
			setBody(&rep.Session.Request, &rep.Session.RequestBase64, rec.Request)
			setBody(&rep.Session.Response, &rep.Session.ResponseBase64, rec.Response)
			if err := audit.CheckSession(ev, rec); err != nil {
				rep.SessionCheck = "MISMATCH: " + err.Error()
				exit = exitFailed
			} else {
				rep.SessionCheck = "ok: bodies match the event's commitments"
			}
		}
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rep); err != nil {
		return fail(e, path, err)
	}
	if exit != exitOK {
		fmt.Fprintf(e.stderr, "%s: session record of %s does not match the event\n", path, id)
	}
	return exit
}

func setBody(text *string, b64 *[]byte, body []byte) {
	if utf8.Valid(body) {
		*text = string(body)
	} else {
		*b64 = body
	}
}

func indentJSON(data []byte) string {
	var b bytes.Buffer
	if json.Indent(&b, data, "", "  ") != nil {
		return string(data)
	}
	return b.String()
}
