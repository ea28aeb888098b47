package approval

import (
	"slices"
	"testing"
)

// Two requests share a grant key exactly when they name the same issuer,
// subject, operation and set of resources (the other fields held equal).
func FuzzGrantKey(f *testing.F) {
	f.Add("idp", "alice", "select", "a", "b", "idp", "alice", "select", "b", "a")
	f.Add("idp#alice", "x", "select", "ab", "", "idp", "alice#x", "select", "a", "b")
	f.Add("i", "s", "op", "1:a", "", "i", "s", "op", "1", "a")
	f.Fuzz(func(t *testing.T, iss1, sub1, op1, r1a, r1b, iss2, sub2, op2, r2a, r2b string) {
		mk := func(iss, sub, op, ra, rb string) *Request {
			return &Request{Requester: Party{Issuer: iss, Subject: sub}, Kind: "sql", Operation: op, Resources: []string{ra, rb}}
		}
		set := func(r *Request) []string {
			s := slices.Clone(r.Resources)
			slices.Sort(s)
			return slices.Compact(s)
		}
		a, b := mk(iss1, sub1, op1, r1a, r1b), mk(iss2, sub2, op2, r2a, r2b)
		same := iss1 == iss2 && sub1 == sub2 && op1 == op2 && slices.Equal(set(a), set(b))
		if got := a.grantKey() == b.grantKey(); got != same {
			t.Fatalf("keys equal = %v, tuples equal = %v:\n%+v\n%+v", got, same, a, b)
		}
	})
}
