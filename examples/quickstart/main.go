// Command quickstart walks through ragguard's pipeline end to end, offline:
// a real OIDC issuer on loopback signs a token, ragguard verifies it, and
// three governed calls show the three outcomes of a policy — allowed (a
// streamed chat whose prompt and answer are masked), denied, and held for a
// human approver who then releases it — each written to a signed audit log
// that is verified at the end.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ragguard/ragguard"
	"github.com/ragguard/ragguard/approval"
	"github.com/ragguard/ragguard/audit"
	"github.com/ragguard/ragguard/identity"
	"github.com/ragguard/ragguard/identity/identitytest"
	"github.com/ragguard/ragguard/internal/testenv/openaiserver"
	"github.com/ragguard/ragguard/llm"
	"github.com/ragguard/ragguard/mask"
	openai "github.com/sashabaranov/go-openai"
)

//go:embed policy.yaml
var policyYAML []byte

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	// 1. Identity. An in-process OIDC issuer stands in for your IdP; the
	// verifier does discovery, JWKS, signature, issuer, audience and expiry
	// checks exactly as it would against a real one.
	issuer, err := identitytest.StartIssuer()
	if err != nil {
		return err
	}
	defer issuer.Close()
	verifier, err := identity.NewOIDCVerifier(ctx, issuer.URL(),
		identity.WithAudience(identitytest.DefaultAudience),
		identity.WithGroupsClaim("groups"),
		identity.WithTenantClaim("tenant"),
		identity.WithRoleMapping(map[string][]string{"data-team": {"analyst"}, "privacy-office": {"privacy-officer"}}),
	)
	if err != nil {
		return err
	}
	token, err := issuer.Token("alice", map[string]any{"email": "alice@example.com", "groups": []string{"data-team"}, "tenant": "acme"})
	if err != nil {
		return err
	}
	alice, err := verifier.Verify(ctx, token)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "authenticated %s (roles %v, tenant %s) with a %s token\n", alice.Subject, alice.Roles, alice.Tenant, alice.AuthMethod)
	ctx = identity.NewContext(ctx, alice)

	// 2. The Guard: masking engine, policy, approver, auditor.
	//
	// The "pii" profile replaces e-mail addresses with keyed pseudonyms
	// (stable per tenant, so the model can still tell people apart) and
	// redacts everything else the detectors find.
	masker, err := mask.New(
		mask.WithKey([]byte("quickstart-demo-key-use-a-kms-in-production")),
		mask.WithProfiles(mask.Profile{Name: "pii", Strategies: map[mask.Entity]mask.Strategy{mask.Email: mask.Pseudonym}}),
	)
	if err != nil {
		return err
	}
	policy, err := ragguard.ParsePolicy(policyYAML, "yaml", ragguard.WithPolicySource("policy.yaml"),
		ragguard.WithMaskProfiles(masker.ProfileNames()...))
	if err != nil {
		return err
	}
	queue := approval.NewQueue()

	// The audit log: a signed Merkle-tree stream, made durable in a local
	// write-ahead log before any call proceeds, delivered to JSONL segment
	// files, with the masked bodies kept apart as session records. The
	// long-term key would live in a KMS; here it is generated.
	auditDir := os.Getenv("RAGGUARD_AUDIT_DIR")
	if auditDir == "" {
		tmp, err := os.MkdirTemp("", "ragguard-quickstart-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		auditDir = tmp
	}
	rootPub, rootKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	sink, err := audit.NewFileSink(filepath.Join(auditDir, "log"))
	if err != nil {
		return err
	}
	sessions, err := audit.NewDirSessionStore(filepath.Join(auditDir, "sessions"))
	if err != nil {
		return err
	}
	log, err := audit.NewLog(audit.WithName("quickstart"), audit.WithSigner("quickstart-root", rootKey),
		audit.WithSink(sink), audit.WithWAL(filepath.Join(auditDir, "wal")), audit.WithSessionStore(sessions))
	if err != nil {
		return err
	}
	defer log.Close() // a no-op after the explicit Close below
	defer sink.Close()
	auditLog := ragguard.AuditLog(log)
	auditor := ragguard.AuditorFunc(func(ctx context.Context, ev *ragguard.AuditEvent) error {
		fmt.Fprintf(out, "  audit: %s %s %s → %s (rule %q)", ev.Kind, ev.Operation, strings.Join(ev.Resources, ","), ev.Code, ev.Decision.Rule)
		for _, f := range ev.Masking {
			fmt.Fprintf(out, " masked %s×%d at %s", f.Entity, f.Count, f.Location)
		}
		fmt.Fprintln(out)
		return auditLog.Record(ctx, ev)
	})
	guard, err := ragguard.New(ragguard.WithPolicy(policy), ragguard.WithApprover(queue), ragguard.WithAuditor(auditor),
		ragguard.WithMasker(ragguard.MaskEngine(masker)))
	if err != nil {
		return err
	}

	// 3a. Allowed: an analyst chats with gpt-4o-mini through the governed
	// go-openai client. The prompt is masked before it leaves the process,
	// and the streamed answer is masked token by token before the caller
	// sees it. Offline, a loopback OpenAI-compatible server answers with a
	// scripted reply split into random chunks, cutting through the values;
	// with OPENAI_BASE_URL and OPENAI_API_KEY set it relays to that endpoint
	// instead, still recording what left the process.
	provider := openaiserver.New(
		openaiserver.WithChatResponder(openaiserver.Answer("Draft: Dear customer, we wrote to bob.jones@example.org; "+
			"your card 4111 1111 1111 1111 was never charged.")),
		openaiserver.WithChunker(openaiserver.ChunkRandom(7, 6)),
		openaiserver.UpstreamFromEnv(),
	)
	defer provider.Close()
	model := "gpt-4o-mini"
	if m := os.Getenv("OPENAI_MODEL"); m != "" {
		model = m
	}
	var ai llm.API = llm.NewClient(provider.ClientConfig(), guard) // was: openai.NewClientWithConfig(cfg)
	prompt := "Draft a reply to alice@example.com about the charge on card 4111 1111 1111 1111."
	stream, err := ai.CreateChatCompletionStream(ctx, openai.ChatCompletionRequest{
		Model: model, Stream: true,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: prompt}},
	})
	if err != nil {
		return fmt.Errorf("chat should be allowed: %w", err)
	}
	var answer strings.Builder
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			stream.Close()
			return fmt.Errorf("chat stream: %w", err)
		}
		for _, c := range chunk.Choices {
			answer.WriteString(c.Delta.Content)
		}
	}
	stream.Close()
	fmt.Fprintf(out, "ALLOWED  chat %s by rule analysts-chat\n", model)
	fmt.Fprintf(out, "  prompt:   %s\n", prompt)
	if reqs := provider.Requests(); len(reqs) > 0 {
		var sent openai.ChatCompletionRequest
		if err := json.Unmarshal(reqs[len(reqs)-1].Body, &sent); err == nil && len(sent.Messages) > 0 {
			fmt.Fprintf(out, "  sent:     %s\n", sent.Messages[0].Content)
		}
	}
	fmt.Fprintf(out, "  answer:   %s\n", answer.String())
	fmt.Fprintf(out, "  provider saw alice@example.com: %v, saw the card: %v\n",
		provider.ReceivedContains("alice@example.com"), provider.ReceivedContains("4111 1111 1111 1111"))

	// 3b. Denied: no rule lets analysts delete rows, so the default denies.
	_, err = guard.Begin(ctx, &ragguard.Call{Kind: ragguard.KindSQL, Operation: "delete", Resources: []string{"patients"}})
	if !errors.Is(err, ragguard.ErrPermissionDenied) {
		return fmt.Errorf("delete should be denied, got %v", err)
	}
	fmt.Fprintf(out, "DENIED   sql delete patients: %v (code %s)\n", err, ragguard.CodeOf(err))

	// 3c. Held: searching patient notes waits for the privacy office.
	carol := approval.Party{Subject: "carol", Issuer: issuer.URL(), Groups: []string{"privacy-office"}}
	approverCtx, stopApprover := context.WithCancel(ctx)
	var approverDone sync.WaitGroup
	defer approverDone.Wait()
	defer stopApprover()
	approverDone.Go(func() {
		for approverCtx.Err() == nil {
			for _, req := range queue.Pending(approverCtx) {
				fmt.Fprintf(out, "  approver carol sees request %s… from %s: %q\n", req.ID[:8], req.Requester.Subject, req.Justification)
				if _, err := queue.Decide(approverCtx, req.ID, carol, approval.Approved, "ticket checked"); err != nil {
					fmt.Fprintln(out, "  decide:", err)
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	held := ragguard.WithJustification(ctx, "INC-4711: patient asked for their records")
	op, err := guard.Begin(held, &ragguard.Call{Kind: ragguard.KindVector, Operation: "search", Resources: []string{"patient-notes"},
		Inputs: []ragguard.Input{{Location: "query", Text: "discharge summary"}}})
	if err != nil {
		return fmt.Errorf("search should be released by the approver: %w", err)
	}
	fmt.Fprintf(out, "HELD     vector search patient-notes, then APPROVED; retrieval filter %v\n", op.Filter())
	if err := op.Finish(nil); err != nil {
		return err
	}

	// 4. Close the stream (a final signed checkpoint) and verify it offline,
	// as `ragguard audit verify` would.
	if err := log.Close(); err != nil {
		return err
	}
	if err := sink.Close(); err != nil {
		return err
	}
	res, err := audit.Verify(ctx, audit.ReadDir(filepath.Join(auditDir, "log")), audit.WithTrustedKey("quickstart-root", rootPub))
	if err != nil {
		return fmt.Errorf("audit log does not verify: %w", err)
	}
	fmt.Fprintf(out, "audit log verified: %d events in %d records, signed checkpoints and Merkle tree intact\n", res.Events, res.Records)
	return nil
}
