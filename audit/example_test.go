package audit_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"sync"
	"time"

	"github.com/ragguard/ragguard/audit"
)

// collect is a Sink keeping records in memory.
type collect struct {
	mu   sync.Mutex
	recs []audit.Record
}

func (c *collect) Write(_ context.Context, recs []audit.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recs = append(c.recs, recs...)
	return nil
}

func (c *collect) Close() error { return nil }

func ExampleNewLog() {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader) // in production: a KMS-backed crypto.Signer
	sink := &collect{}
	log, err := audit.NewLog(
		audit.WithSigner("audit-key-2026", priv),
		audit.WithSink(sink),
		audit.WithOrigin("billing-api-1"),
		audit.WithCheckpoints(100, time.Hour),
	)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	rc, err := log.Append(ctx, &audit.Event{
		Principal: audit.Principal{Subject: "ann", Issuer: "https://idp.example", Kind: "user", AuthMethod: "oidc"},
		Call:      audit.Call{Kind: "llm", Operation: "chat", Resources: []string{"gpt-4o"}},
		Decision:  audit.Decision{Effect: audit.Allow, Rule: "analysts-may-chat"},
		Masking:   []audit.Masked{{Entity: "email", Detector: "email", Location: "prompt", Strategy: "pseudonym", Count: 1}},
		Outcome:   audit.OutcomeOK,
	}, nil)
	if err != nil {
		panic(err) // fail-closed: the governed call must not proceed
	}
	fmt.Println("appended", rc.Origin, rc.Seq)
	if err := log.Close(); err != nil {
		panic(err)
	}

	for _, r := range sink.recs {
		fmt.Println(r.Seq, r.Type)
	}
	res, err := audit.Verify(ctx, audit.Records(sink.recs), audit.WithTrustedKey("audit-key-2026", pub))
	if err != nil {
		panic(err)
	}
	fmt.Println("verified events:", res.Events, "closed:", res.Streams[0].Closed)
	// Output:
	// appended billing-api-1 1
	// 0 stream_key
	// 1 event
	// 2 checkpoint
	// verified events: 1 closed: true
}

func ExampleProve() {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	sink := &collect{}
	log, _ := audit.NewLog(audit.WithSigner("k1", priv), audit.WithSink(sink), audit.WithCheckpoints(100, time.Hour))
	var wanted audit.Receipt
	for i := range 10 {
		rc, _ := log.Append(context.Background(), &audit.Event{Call: audit.Call{Kind: "sql", Operation: "select"}}, nil)
		if i == 6 {
			wanted = rc
		}
	}
	log.Close()

	proof, err := audit.Prove(audit.Records(sink.recs), wanted.ID)
	if err != nil {
		panic(err)
	}
	// The proof (JSON) stands alone: the long-term public key is all a
	// third party needs.
	ev, err := audit.VerifyProof(proof, pub)
	fmt.Println(err, ev.ID == wanted.ID, proof.LeafIndex, proof.TreeSize)
	// Output: <nil> true 7 11
}

func ExampleHasher_Match() {
	h, _ := audit.NewHasher([]byte("a 32-byte or longer secret key!!"))
	stored := h.Hash("ann@example.com") // what the log holds instead of the address
	fmt.Println(h.Match("ann@example.com", stored), h.Match("bob@example.com", stored))
	// Output: true false
}

func ExampleCanonicalize() {
	out, _ := audit.Canonicalize([]byte(`{"b": 1.50, "a": "\u00e9", "c": [1e3, true]}`))
	fmt.Println(string(out))
	// Output: {"a":"é","b":1.5,"c":[1000,true]}
}

func ExampleDiscard() {
	log := audit.Discard() // keeps nothing: for tests only
	defer log.Close()
	rc, err := log.Append(context.Background(), &audit.Event{Outcome: audit.OutcomeOK}, nil)
	fmt.Println(rc.Seq, err)
	// Output: 1 <nil>
}
