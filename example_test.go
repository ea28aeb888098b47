package ragguard_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/ragguard/ragguard"
	"github.com/ragguard/ragguard/approval"
	"github.com/ragguard/ragguard/identity"
)

func ExampleGuard_Begin() {
	policy, err := ragguard.ParsePolicy([]byte(`
roles: [analyst]
rules:
  - name: analysts-chat
    roles: [analyst]
    kinds: [llm]
    operations: [chat]
    effect: allow
`), "yaml")
	if err != nil {
		panic(err)
	}
	guard, err := ragguard.New(ragguard.WithPolicy(policy), ragguard.WithAuditor(ragguard.DiscardAudit()))
	if err != nil {
		panic(err)
	}
	ctx := identity.NewContext(context.Background(),
		identity.Principal{Subject: "alice", Roles: []string{"analyst"}, AuthMethod: identity.MethodStatic})

	op, err := guard.Begin(ctx, &ragguard.Call{Kind: ragguard.KindLLM, Operation: "chat", Resources: []string{"gpt-4o"}})
	if err != nil {
		panic(err)
	}
	// ... send op.Inputs() with the wrapped client, mask results with op ...
	fmt.Println("allowed by", op.Decision().Rule)
	_ = op.Finish(nil)

	_, err = guard.Begin(ctx, &ragguard.Call{Kind: ragguard.KindSQL, Operation: "delete", Resources: []string{"patients"}})
	fmt.Println(ragguard.CodeOf(err), errors.Is(err, ragguard.ErrPermissionDenied))
	// Output:
	// allowed by analysts-chat
	// permission_denied true
}

func ExampleNew_failClosed() {
	policy, _ := ragguard.NewPolicy(ragguard.PolicyConfig{Rules: []ragguard.RuleConfig{
		{Name: "hold-everything", Effect: ragguard.RequireApproval},
	}})
	// No auditor: refused.
	_, err := ragguard.New(ragguard.WithPolicy(policy), ragguard.WithApprover(approval.AllowAll()))
	fmt.Println(err)
	// A policy that holds calls, but no approver: refused.
	_, err = ragguard.New(ragguard.WithPolicy(policy), ragguard.WithAuditor(ragguard.DiscardAudit()))
	fmt.Println(err)
	// Output:
	// ragguard: invalid policy: no auditor (WithAuditor; DiscardAudit must be chosen by name)
	// ragguard: invalid policy: the policy holds calls for approval but no approver is configured (WithApprover)
}

func ExampleParsePolicy_validation() {
	_, err := ragguard.ParsePolicy([]byte(`
roles: [analyst]
rules:
  - name: chat
    roles: [analyts]
    kinds: [llm]
    effect: allow
`), "yaml", ragguard.WithPolicySource("policy.yaml"))
	fmt.Println(err)
	// Output:
	// policy.yaml: rule "chat" (rules[0]): roles: unknown role "analyts" (declare it under roles)
}
