package identity

import (
	"slices"
	"strings"
)

// lookupClaim finds the value at path in decoded JWT claims. A path is a
// claim name, or a dot-separated walk into nested objects such as
// "realm_access.roles". A top-level claim whose name itself contains dots
// (namespaced claims like "https://example.com/groups") wins over the walk.
func lookupClaim(claims map[string]any, path string) (any, bool) {
	if path == "" {
		return nil, false
	}
	if v, ok := claims[path]; ok {
		return v, true
	}
	cur := claims
	parts := strings.Split(path, ".")
	for i, part := range parts {
		v, ok := cur[part]
		if !ok {
			return nil, false
		}
		if i == len(parts)-1 {
			return v, true
		}
		next, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		cur = next
	}
	return nil, false
}

// claimStrings reads a claim as a list of strings: a JSON array of strings
// (other element types are skipped) or a single string. Empty strings are
// dropped and the result is sorted and de-duplicated so principals compare
// equal however the issuer ordered them.
func claimStrings(claims map[string]any, path string) []string {
	v, ok := lookupClaim(claims, path)
	if !ok {
		return nil
	}
	var out []string
	switch t := v.(type) {
	case string:
		if t != "" {
			out = append(out, t)
		}
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// claimString reads a claim that must be a string; anything else is "".
func claimString(claims map[string]any, path string) string {
	v, _ := lookupClaim(claims, path)
	s, _ := v.(string)
	return s
}

// claimMatches reports whether the claim at path equals want, or is an array
// that contains want.
func claimMatches(claims map[string]any, path, want string) bool {
	return slices.Contains(claimStrings(claims, path), want)
}

// mapRoles turns groups into roles through mapping, sorted and de-duplicated.
func mapRoles(groups []string, mapping map[string][]string) []string {
	if len(mapping) == 0 {
		return nil
	}
	var roles []string
	for _, g := range groups {
		roles = append(roles, mapping[g]...)
	}
	slices.Sort(roles)
	return slices.Compact(roles)
}
