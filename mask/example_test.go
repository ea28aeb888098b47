package mask_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/ragguard/ragguard/mask"
)

func ExampleMasker_String() {
	engine, err := mask.New()
	if err != nil {
		panic(err)
	}
	m, _ := engine.Masker(mask.DefaultProfile, "acme")
	out, sum := m.String("Contact jane.doe@example.com or (415) 555-2671; card 4111 1111 1111 1111.", "prompt")
	fmt.Println(out)
	for _, f := range sum.Findings {
		fmt.Println(f.Entity, f.Detector, f.Location, f.Count)
	}
	// Output:
	// Contact [EMAIL] or [PHONE]; card [CREDIT_CARD].
	// EMAIL email prompt 1
	// PHONE phone prompt 1
	// CREDIT_CARD credit_card prompt 1
}

func ExampleMasker_JSON() {
	engine, _ := mask.New(mask.WithProfiles(mask.Profile{
		Name: "api",
		Fields: []mask.FieldRule{
			{Path: "patients[*].ssn", Entity: mask.USSSN},
			{Path: "**.password", Strategy: mask.Drop},
		},
	}))
	m, _ := engine.Masker("api", "acme")
	out, _, err := m.JSON([]byte(`{"patients":[{"name":"Ann","ssn":"123-45-6789","password":"pw"}],"note":"call +44 20 7946 0958"}`), "body")
	if err != nil {
		panic(err)
	}
	fmt.Println(string(out))
	// Output:
	// {"patients":[{"name":"Ann","ssn":"[US_SSN]"}],"note":"call [PHONE]"}
}

func ExampleStream() {
	engine, _ := mask.New()
	m, _ := engine.Masker(mask.DefaultProfile, "acme")
	st := m.Stream("answer")
	var b strings.Builder
	for _, delta := range []string{"Your SSN ", "is 123-4", "5-6789 and", " we are done."} {
		b.Write(st.Write([]byte(delta)))
	}
	b.Write(st.Flush())
	fmt.Println(b.String())
	fmt.Println(st.Summary().Total())
	// Output:
	// Your SSN is [US_SSN] and we are done.
	// 1
}

func ExampleMasker_String_pseudonym() {
	key := []byte("a 32-byte or longer master key!!") // load from a secret store
	engine, _ := mask.New(mask.WithKey(key), mask.WithProfiles(mask.Profile{Name: "pseudo", Default: mask.Pseudonym}))
	a, _ := engine.Masker("pseudo", "tenant-a")
	b, _ := engine.Masker("pseudo", "tenant-b")
	x, _ := a.String("mail Jane@Example.com", "prompt")
	y, _ := a.String("reply to jane@example.com", "answer")
	z, _ := b.String("mail jane@example.com", "prompt")
	fmt.Println(strings.TrimPrefix(x, "mail ") == strings.TrimPrefix(y, "reply to "))
	fmt.Println(x == z)
	// Output:
	// true
	// false
}

func ExampleEngine_Restore() {
	vault := mask.NewMemoryVault()
	defer vault.Close()
	engine, _ := mask.New(mask.WithKey([]byte("a 32-byte or longer master key!!")), mask.WithVault(vault),
		mask.WithProfiles(mask.Profile{Name: "reversible", Strategies: map[mask.Entity]mask.Strategy{mask.Email: mask.Tokenize}}))
	m, _ := engine.Masker("reversible", "acme")
	masked, _ := m.String("ticket from jane@example.com", "prompt")
	restored, n, _ := engine.Restore(context.Background(), "acme", masked)
	fmt.Println(strings.HasPrefix(masked, "ticket from <EMAIL_TK_"))
	fmt.Println(restored, n)
	// Output:
	// true
	// ticket from jane@example.com 1
}

func ExampleMasker_Row() {
	engine, _ := mask.New(mask.WithProfiles(mask.Profile{
		Name:    "sql",
		Columns: []mask.ColumnRule{{Column: "ssn", Entity: mask.USSSN, Strategy: "partial"}},
	}))
	m, _ := engine.Masker("sql", "acme")
	row, sum := m.Row([]string{"id", "ssn", "note"}, []any{42, "123-45-6789", "reach me at ann@example.org"})
	fmt.Println(row...)
	fmt.Println(sum.Total())
	// Output:
	// 42 ****6789 reach me at [EMAIL]
	// 2
}

func ExampleEngine_Detect() {
	engine, _ := mask.New()
	s := "AKIAIOSFODNN7EXAMPLE leaked next to jane@example.com"
	for _, m := range engine.Detect(s) {
		fmt.Println(m.Entity, s[m.Start:m.End])
	}
	// Output:
	// AWS_ACCESS_KEY AKIAIOSFODNN7EXAMPLE
	// EMAIL jane@example.com
}
