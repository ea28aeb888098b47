package ragguard

import (
	"fmt"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/ext"

	"github.com/ragguard/ragguard/identity"
)

// celCostLimit bounds the work one condition may do per call, so a policy
// cannot turn a governed call into a denial of service.
const celCostLimit = 100_000

var (
	celEnvOnce sync.Once
	celEnv     *cel.Env
	celEnvErr  error
)

// conditionEnv is the CEL environment of policy conditions:
//
//	principal: subject, issuer, email, groups, roles, tenant, kind, auth_method
//	call:      kind, operation, resources, attributes, detected, input_bytes
//	now:       the evaluation time (timestamp)
func conditionEnv() (*cel.Env, error) {
	celEnvOnce.Do(func() {
		celEnv, celEnvErr = cel.NewEnv(
			cel.Variable("principal", cel.MapType(cel.StringType, cel.DynType)),
			cel.Variable("call", cel.MapType(cel.StringType, cel.DynType)),
			cel.Variable("now", cel.TimestampType),
			ext.Strings(),
			ext.Sets(),
		)
	})
	return celEnv, celEnvErr
}

// compileCondition compiles a rule condition and reports whether it may
// read call.detected.
func compileCondition(expr string) (cel.Program, bool, error) {
	env, err := conditionEnv()
	if err != nil {
		return nil, false, err
	}
	ast, iss := env.Compile(expr)
	if iss.Err() != nil {
		return nil, false, iss.Err()
	}
	if !ast.OutputType().IsExactType(types.BoolType) && !ast.OutputType().IsExactType(types.DynType) {
		return nil, false, fmt.Errorf("condition has type %s, want bool", ast.OutputType())
	}
	prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize), cel.CostLimit(celCostLimit))
	return prg, mayReadDetected(ast), err
}

// mayReadDetected answers from the checked expression, not its text:
// every use of the variable call other than selecting one of its other
// fields (call["detected"], call passed whole to a function or macro) counts
// as a read, so that detection is never skipped for a condition that needs it.
func mayReadDetected(a *cel.Ast) bool {
	for _, id := range celast.MatchDescendants(celast.NavigateAST(a.NativeRep()), celast.KindMatcher(celast.IdentKind)) {
		if id.AsIdent() != "call" {
			continue
		}
		parent, ok := id.Parent()
		if !ok || parent.Kind() != celast.SelectKind || parent.AsSelect().FieldName() == "detected" {
			return true
		}
	}
	return false
}

// activation is the input of one evaluation, built at most once per call and
// only when a candidate rule has a condition.
type activation struct {
	vars map[string]any
}

func newActivation(pr identity.Principal, c *Call, detected []string, now time.Time) *activation {
	inputBytes := 0
	for _, in := range c.Inputs {
		inputBytes += len(in.Text)
	}
	attrs := c.Attributes
	if attrs == nil {
		attrs = map[string]any{}
	}
	act := &activation{vars: map[string]any{
		"principal": map[string]any{
			"subject":     pr.Subject,
			"issuer":      pr.Issuer,
			"email":       pr.Email,
			"groups":      nonNil(pr.Groups),
			"roles":       nonNil(pr.Roles),
			"tenant":      pr.Tenant,
			"kind":        string(pr.Kind),
			"auth_method": string(pr.AuthMethod),
		},
		"call": map[string]any{
			"kind":        string(c.Kind),
			"operation":   c.Operation,
			"resources":   nonNil(c.Resources),
			"attributes":  attrs,
			"input_bytes": inputBytes,
		},
		"now": now,
	}}
	// nil means detection did not run: leave the key out, so a condition
	// that reads it fails (and denies) instead of seeing "nothing found".
	if detected != nil {
		act.vars["call"].(map[string]any)["detected"] = detected
	}
	return act
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func evalBool(prg cel.Program, act *activation) (bool, error) {
	out, _, err := prg.Eval(act.vars)
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("condition returned %s, want bool", out.Type())
	}
	return b, nil
}
